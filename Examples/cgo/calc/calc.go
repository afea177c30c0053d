// Package calc computes in C: a hypotenuse through libm's sqrt, and the C library the program was linked with.
package calc

/*
#cgo linux LDFLAGS: -lm
#cgo breakriscv CFLAGS: -DCGOCALC_BREAK_RISCV
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double hypotenuse(double a, double b) { return sqrt(a * a + b * b); }

// 0 on every target; 41 on riscv64 when built with the breakriscv tag (a C-side failure on one target only).
static int selfCheck(void) {
#if defined(CGOCALC_BREAK_RISCV) && defined(__riscv)
	return 41;
#else
	return 0;
#endif
}

static const char *libcName(void) {
#if defined(_WIN32)
	return "mingw-w64";
#elif defined(__GLIBC__)
	return "glibc";
#elif defined(__APPLE__)
	return "libSystem";
#elif defined(__linux__)
	return "musl";
#else
	return "unknown";
#endif
}

static void say(const char *s) { puts(s); fflush(stdout); }
*/
import "C"

import "unsafe"

// Hypotenuse returns sqrt(a*a + b*b), computed by C.
func Hypotenuse(a, b float64) float64 { return float64(C.hypotenuse(C.double(a), C.double(b))) }

// SelfCheck returns the C side's self-check: 0 when all is well.
func SelfCheck() int { return int(C.selfCheck()) }

// Libc names the C library this program was linked with.
func Libc() string { return C.GoString(C.libcName()) }

// Say prints a line through C's puts.
func Say(s string) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	C.say(cs)
}
