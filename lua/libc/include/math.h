/* Cinder's libc shim for wasm32-unknown-unknown: <math.h> (implemented in Rust over the libm crate). */
#ifndef CINDER_MATH_H
#define CINDER_MATH_H
#define HUGE_VAL (__builtin_huge_val())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x) __builtin_signbit(x)
double floor(double), ceil(double), fabs(double), fmod(double, double), pow(double, double), sqrt(double);
double sin(double), cos(double), tan(double), asin(double), acos(double), atan(double), atan2(double, double);
double sinh(double), cosh(double), tanh(double), exp(double), log(double), log10(double);
double frexp(double, int *), ldexp(double, int), modf(double, double *), trunc(double), round(double);
#endif
