/* Force-included (-include) before every C file of Lua and of this crate, on every target: number formatting,
 * parsing, the maths functions and double-to-integer casts come from Cinder's shim (libc/src/printf.c and
 * src/shim.rs), so the server (glibc) and the wasm build give the same bytes. */
#ifndef CINDER_ROUTE_H
#define CINDER_ROUTE_H

#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

int cinder_sprintf(char *buf, const char *fmt, ...);
int cinder_snprintf(char *buf, size_t size, const char *fmt, ...);
int cinder_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int cinder_vsprintf(char *buf, const char *fmt, va_list ap);
double cinder_strtod(const char *s, char **end);
unsigned long cinder_strtoul(const char *s, char **end, int base);
long cinder_strtol(const char *s, char **end, int base);
long long cinder_strtoll(const char *s, char **end, int base);
unsigned long long cinder_strtoull(const char *s, char **end, int base);
int cinder_d2i(double d);
long long cinder_d2ll(double d);
unsigned long long cinder_d2ull(double d);
double cinder_floor(double), cinder_ceil(double), cinder_fabs(double), cinder_fmod(double, double);
double cinder_pow(double, double), cinder_sqrt(double), cinder_sin(double), cinder_cos(double), cinder_tan(double);
double cinder_asin(double), cinder_acos(double), cinder_atan(double), cinder_atan2(double, double);
double cinder_sinh(double), cinder_cosh(double), cinder_tanh(double), cinder_exp(double), cinder_log(double);
double cinder_log10(double), cinder_frexp(double, int *), cinder_ldexp(double, int), cinder_modf(double, double *);
double cinder_trunc(double), cinder_round(double);

#undef sprintf
#undef snprintf
#undef vsnprintf
#undef vsprintf
#define sprintf cinder_sprintf
#define snprintf cinder_snprintf
#define vsnprintf cinder_vsnprintf
#define vsprintf cinder_vsprintf
#define strtod cinder_strtod
#define strtoul cinder_strtoul
#define strtol cinder_strtol
#define strtoll cinder_strtoll
#define strtoull cinder_strtoull
#define floor cinder_floor
#define ceil cinder_ceil
#define fabs cinder_fabs
#define fmod cinder_fmod
#define pow cinder_pow
#define sqrt cinder_sqrt
#define sin cinder_sin
#define cos cinder_cos
#define tan cinder_tan
#define asin cinder_asin
#define acos cinder_acos
#define atan cinder_atan
#define atan2 cinder_atan2
#define sinh cinder_sinh
#define cosh cinder_cosh
#define tanh cinder_tanh
#define exp cinder_exp
#define log cinder_log
#define log10 cinder_log10
#define frexp cinder_frexp
#define ldexp cinder_ldexp
#define modf cinder_modf
#define trunc cinder_trunc
#define round cinder_round

#endif
