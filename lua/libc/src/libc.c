/* Cinder's libc shim for wasm32-unknown-unknown: the C library functions PUC Lua 5.1 and Redis's Lua libraries
 * need, in the "C" locale, with no files. malloc & co, strtod/strtoul and the maths are in Rust (src/shim.rs); the
 * printf family is printf.c; memcpy/memmove/memset/memcmp/strlen come from Rust's compiler-builtins.
 * Also the setjmp/longjmp runtime that clang's -wasm-enable-sjlj lowering calls (this file is compiled WITHOUT
 * that flag: it defines the __c_longjmp tag through __builtin_wasm_throw). */
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

int cinder_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void *malloc(size_t n);
void free(void *p);
size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *d, const void *s, size_t n);
long cinder_strtol(const char *s, char **end, int base);
double cinder_strtod(const char *s, char **end);

int errno;

/* The tag longjmp throws (the lowered setjmp callers catch it). */
__asm__(".globl __c_longjmp\n.tagtype __c_longjmp i32\n__c_longjmp:\n");

/* ---- setjmp/longjmp runtime (the interface of LLVM 19's WebAssemblyLowerEmscriptenEHSjLj) ---- */
struct jmp_buf_impl {
    void *func_invocation_id;
    uint32_t label;
    struct arg {
        void *env;
        int val;
    } arg;
};

void __wasm_setjmp(void *env, uint32_t label, void *func_invocation_id) {
    struct jmp_buf_impl *jb = env;
    if (label == 0 || func_invocation_id == NULL) __builtin_trap();
    jb->func_invocation_id = func_invocation_id;
    jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *func_invocation_id) {
    struct jmp_buf_impl *jb = env;
    if (jb->label == 0 || func_invocation_id == NULL) __builtin_trap();
    if (jb->func_invocation_id == func_invocation_id) return jb->label;
    return 0;
}

void __wasm_longjmp(void *env, int val) {
    struct jmp_buf_impl *jb = env;
    struct arg *arg = &jb->arg;
    if (val == 0) val = 1;
    arg->env = env;
    arg->val = val;
    __builtin_wasm_throw(1, arg); /* 1: the C_LONGJMP tag, __c_longjmp */
}

/* ---- string.h ---- */
void *memchr(const void *s, int c, size_t n) {
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c) return (void *)(p + i);
    return NULL;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a) return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

int strcoll(const char *a, const char *b) { return strcmp(a, b); }

char *strcpy(char *d, const char *s) {
    char *r = d;
    while ((*d++ = *s++)) {}
    return r;
}

char *strncpy(char *d, const char *s, size_t n) {
    size_t i = 0;
    for (; i < n && s[i]; i++) d[i] = s[i];
    for (; i < n; i++) d[i] = 0;
    return d;
}

char *strcat(char *d, const char *s) {
    strcpy(d + strlen(d), s);
    return d;
}

char *strncat(char *d, const char *s, size_t n) {
    char *p = d + strlen(d);
    while (n-- && *s) *p++ = *s++;
    *p = 0;
    return d;
}

char *strchr(const char *s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (!*s) return NULL;
    }
}

char *strrchr(const char *s, int c) {
    const char *r = NULL;
    for (;; s++) {
        if (*s == (char)c) r = s;
        if (!*s) return (char *)r;
    }
}

char *strstr(const char *h, const char *n) {
    size_t ln = strlen(n);
    if (!ln) return (char *)h;
    for (; *h; h++)
        if (*h == *n && memcmp(h, n, ln) == 0) return (char *)h;
    return NULL;
}

size_t strspn(const char *s, const char *accept) {
    size_t i = 0;
    while (s[i] && strchr(accept, s[i])) i++;
    return i;
}

size_t strcspn(const char *s, const char *reject) {
    size_t i = 0;
    while (s[i] && !strchr(reject, s[i])) i++;
    return i;
}

char *strpbrk(const char *s, const char *accept) {
    s += strcspn(s, accept);
    return *s ? (char *)s : NULL;
}

char *strerror(int e) {
    switch (e) {
    case 2: return "No such file or directory";
    case 12: return "Cannot allocate memory";
    case 22: return "Invalid argument";
    case 34: return "Numerical result out of range";
    default: return "Unknown error";
    }
}

char *strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- ctype.h, "C" locale ---- */
int isdigit(int c) { return c >= '0' && c <= '9'; }
int islower(int c) { return c >= 'a' && c <= 'z'; }
int isupper(int c) { return c >= 'A' && c <= 'Z'; }
int isalpha(int c) { return islower(c) || isupper(c); }
int isalnum(int c) { return isalpha(c) || isdigit(c); }
int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
int iscntrl(int c) { return (c >= 0 && c < 32) || c == 127; }
int isprint(int c) { return c >= 32 && c < 127; }
int isgraph(int c) { return c > 32 && c < 127; }
int ispunct(int c) { return isgraph(c) && !isalnum(c); }
int tolower(int c) { return isupper(c) ? c + 32 : c; }
int toupper(int c) { return islower(c) ? c - 32 : c; }

int strcasecmp(const char *a, const char *b) {
    while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) a++, b++;
    return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

int strncasecmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x != y || !x) return x - y;
    }
    return 0;
}

/* ---- stdlib.h (malloc & co and strto* are Rust) ---- */
static unsigned long rand_state = 1;
int rand(void) {
    rand_state = rand_state * 1103515245 + 12345;
    return (int)((rand_state / 65536) % 32768);
}
void srand(unsigned seed) { rand_state = seed; }
void abort(void) { __builtin_trap(); }
void exit(int code) {
    (void)code;
    __builtin_trap();
}
char *getenv(const char *name) {
    (void)name;
    return NULL;
}
int system(const char *cmd) {
    (void)cmd;
    return -1;
}
int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }
int atoi(const char *s) { return (int)cinder_strtol(s, NULL, 10); }
long atol(const char *s) { return cinder_strtol(s, NULL, 10); }
double atof(const char *s) { return cinder_strtod(s, NULL); }
float strtof(const char *s, char **end) { return (float)cinder_strtod(s, end); }

static void swap_bytes(char *a, char *b, size_t n) {
    while (n--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    char *b = base; /* insertion sort: small inputs only in this VM's libraries */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
            swap_bytes(b + (j - 1) * size, b + j * size, size);
}

/* ---- locale.h ---- */
struct lconv {
    char *decimal_point;
    char *thousands_sep;
    char *grouping;
};
static struct lconv c_lconv = {".", "", ""};
struct lconv *localeconv(void) { return &c_lconv; }
char *setlocale(int category, const char *locale) {
    (void)category;
    (void)locale;
    return "C";
}

/* ---- stdio.h: no files; output is discarded ---- */
struct cinder_file {
    int unused;
};
typedef struct cinder_file FILE;
static FILE files[3];
FILE *stdin = &files[0], *stdout = &files[1], *stderr = &files[2];
FILE *fopen(const char *path, const char *mode) {
    (void)path;
    (void)mode;
    errno = 2;
    return NULL;
}
FILE *freopen(const char *path, const char *mode, FILE *f) {
    (void)f;
    return fopen(path, mode);
}
int fclose(FILE *f) {
    (void)f;
    return 0;
}
int fflush(FILE *f) {
    (void)f;
    return 0;
}
int getc(FILE *f) {
    (void)f;
    return -1;
}
int fgetc(FILE *f) { return getc(f); }
int ungetc(int c, FILE *f) {
    (void)f;
    return c;
}
char *fgets(char *s, int n, FILE *f) {
    (void)s;
    (void)n;
    (void)f;
    return NULL;
}
size_t fread(void *p, size_t size, size_t n, FILE *f) {
    (void)p;
    (void)size;
    (void)n;
    (void)f;
    return 0;
}
size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
    (void)p;
    (void)size;
    (void)f;
    return n;
}
int fputs(const char *s, FILE *f) {
    (void)s;
    (void)f;
    return 0;
}
int fputc(int c, FILE *f) {
    (void)f;
    return c;
}
int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return c; }
int puts(const char *s) {
    (void)s;
    return 0;
}
int ferror(FILE *f) {
    (void)f;
    return 0;
}
int feof(FILE *f) {
    (void)f;
    return 1;
}
void clearerr(FILE *f) { (void)f; }
int vfprintf(FILE *f, const char *fmt, va_list ap) {
    (void)f;
    char tmp[1];
    return cinder_vsnprintf(tmp, 0, fmt, ap);
}
int fprintf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}
int printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}
