/* The printf family of Cinder's libc shim, used on every target (cinder_route.h routes sprintf & co here).
 * Integers, strings and padding are done here; the digits of a double come from Rust (cinder_fmt_double, correctly
 * rounded like glibc), so "%.14g" / "%.17g" / "%.3f" give the same bytes on the server and in wasm. */
#include <stddef.h>
#include <stdarg.h>

/* Digits of |v| (finite) for conversion conv (e, E, f, F, g, G) with precision prec and the '#' flag; returns the
 * length written to out (at most cap). Implemented in Rust (src/shim.rs). */
size_t cinder_fmt_double(double v, char conv, int prec, int alt, char *out, size_t cap);

typedef struct {
    char *buf;
    size_t cap; /* room for characters, the terminating NUL excluded */
    size_t len; /* characters produced (may exceed cap) */
} out_t;

static void put(out_t *o, char c) {
    if (o->len < o->cap) o->buf[o->len] = c;
    o->len++;
}

static void puts_n(out_t *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) put(o, s[i]);
}

static void pad(out_t *o, char c, int n) {
    while (n-- > 0) put(o, c);
}

enum { F_MINUS = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16 };

/* Emits prefix (sign / 0x) + zeros + body, padded to width. */
static void emit(out_t *o, int flags, int width, const char *prefix, size_t plen, int zeros, const char *body,
                 size_t blen, int zero_pad_ok) {
    int total = (int)(plen + blen) + zeros;
    int padn = width > total ? width - total : 0;
    if (flags & F_MINUS) {
        puts_n(o, prefix, plen);
        pad(o, '0', zeros);
        puts_n(o, body, blen);
        pad(o, ' ', padn);
    } else if ((flags & F_ZERO) && zero_pad_ok) {
        puts_n(o, prefix, plen);
        pad(o, '0', padn + zeros);
        puts_n(o, body, blen);
    } else {
        pad(o, ' ', padn);
        puts_n(o, prefix, plen);
        pad(o, '0', zeros);
        puts_n(o, body, blen);
    }
}

static void fmt_int(out_t *o, int flags, int width, int prec, char conv, unsigned long long u, int negative) {
    char digits[72];
    int n = 0;
    unsigned base = (conv == 'o') ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
    const char *set = (conv == 'X') ? "0123456789ABCDEF" : "0123456789abcdef";
    while (u) {
        digits[n++] = set[u % base];
        u /= base;
    }
    char body[72];
    for (int i = 0; i < n; i++) body[i] = digits[n - 1 - i];
    char prefix[3];
    size_t plen = 0;
    if (conv == 'd' || conv == 'i') {
        if (negative) prefix[plen++] = '-';
        else if (flags & F_PLUS) prefix[plen++] = '+';
        else if (flags & F_SPACE) prefix[plen++] = ' ';
    }
    int zeros = 0;
    if (prec < 0) prec = 1;
    if (n < prec) zeros = prec - n;
    if (conv == 'o' && (flags & F_ALT) && zeros == 0 && (n == 0 || body[0] != '0')) zeros = 1;
    if (((conv == 'x' || conv == 'X') && (flags & F_ALT) && n > 0) || conv == 'p') {
        prefix[plen++] = '0';
        prefix[plen++] = conv == 'X' ? 'X' : 'x';
    }
    emit(o, flags, width, prefix, plen, zeros, body, (size_t)n, 1);
}

static void fmt_double(out_t *o, int flags, int width, int prec, char conv, double v) {
    char prefix[1];
    size_t plen = 0;
    int neg = __builtin_signbit(v) != 0;
    if (neg) prefix[plen++] = '-';
    else if (flags & F_PLUS) prefix[plen++] = '+';
    else if (flags & F_SPACE) prefix[plen++] = ' ';
    int upper = conv == 'E' || conv == 'F' || conv == 'G';
    if (v != v || v - v != 0) { /* nan or inf */
        const char *s = (v != v) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        emit(o, flags, width, prefix, plen, 0, s, 3, 0);
        return;
    }
    char body[1100];
    if (prec < 0) prec = 6;
    if (prec > 1000) prec = 1000;
    size_t blen = cinder_fmt_double(neg ? -v : v, conv, prec, (flags & F_ALT) != 0, body, sizeof body);
    emit(o, flags, width, prefix, plen, 0, body, blen, 1);
}

int cinder_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    out_t o = {buf, size ? size - 1 : 0, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        int flags = 0;
        for (;; p++) {
            if (*p == '-') flags |= F_MINUS;
            else if (*p == '+') flags |= F_PLUS;
            else if (*p == ' ') flags |= F_SPACE;
            else if (*p == '#') flags |= F_ALT;
            else if (*p == '0') flags |= F_ZERO;
            else break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_MINUS;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
        for (;; p++) {
            if (*p == 'l') lng = lng == 1 ? 2 : 1;
            else if (*p == 'h') lng = lng == -1 ? -2 : -1;
            else if (*p == 'z' || *p == 't') lng = 3;
            else if (*p == 'j') lng = 2;
            else if (*p == 'L') lng = 0;
            else break;
        }
        char conv = *p;
        if (conv == 0) break;
        switch (conv) {
        case 'd':
        case 'i': {
            long long v;
            if (lng == 2) v = va_arg(ap, long long);
            else if (lng == 1) v = va_arg(ap, long);
            else if (lng == 3) v = (long long)va_arg(ap, ptrdiff_t);
            else v = va_arg(ap, int);
            if (lng == -1) v = (short)v;
            if (lng == -2) v = (signed char)v;
            unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            if (prec >= 0) flags &= ~F_ZERO;
            fmt_int(&o, flags, width, prec, conv, u, v < 0);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            unsigned long long u;
            if (lng == 2) u = va_arg(ap, unsigned long long);
            else if (lng == 1) u = va_arg(ap, unsigned long);
            else if (lng == 3) u = va_arg(ap, size_t);
            else u = va_arg(ap, unsigned int);
            if (lng == -1) u = (unsigned short)u;
            if (lng == -2) u = (unsigned char)u;
            if (prec >= 0) flags &= ~F_ZERO;
            fmt_int(&o, flags, width, prec, conv, u, 0);
            break;
        }
        case 'p': {
            void *ptr = va_arg(ap, void *);
            if (!ptr) {
                emit(&o, flags, width, "", 0, 0, "(nil)", 5, 0);
            } else {
                fmt_int(&o, flags & ~F_ZERO, width, -1, 'p', (unsigned long long)(size_t)ptr, 0);
            }
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit(&o, flags, width, "", 0, 0, &c, 1, 0);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t n = 0;
            while (s[n] && (prec < 0 || n < (size_t)prec)) n++;
            emit(&o, flags, width, "", 0, 0, s, n, 0);
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
            fmt_double(&o, flags, width, prec, conv, va_arg(ap, double));
            break;
        case '%':
            put(&o, '%');
            break;
        default: /* unknown conversion: copied as is */
            put(&o, '%');
            put(&o, conv);
            break;
        }
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int cinder_vsprintf(char *buf, const char *fmt, va_list ap) {
    return cinder_vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int cinder_snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = cinder_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int cinder_sprintf(char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = cinder_vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
    va_end(ap);
    return n;
}
