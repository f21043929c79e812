/* numtext.h - doubles to and from decimal text, our own (numtext.c): no libc
 * strtod or printf, and independent of the C locale: a host that calls
 * setlocale(LC_NUMERIC, "de_DE") must not turn 0.5 into "0,5" in a model's
 * JSON, nor make "0.5" parse as 0. */
#ifndef CR_NUMTEXT_H
#define CR_NUMTEXT_H

#include "internal.h"

/*! cr_parse_double() :
    Parses the whole of s[0..n) as one decimal number:
        [+-]? ( DIGITS [. DIGITS?] | . DIGITS ) ( [eE] [+-]? DIGITS )?
    any number of digits and any exponent (JSON numbers, CSV cells and option
    text are all of this form). No white space, no "inf"/"nan", no hex, no
    NUL: those are CR_E_TYPE, as is an empty string.
    *out is the nearest double, ties to even (IEEE round-to-nearest, as
    glibc's strtod), for every input: subnormals, +-inf beyond DBL_MAX's
    rounding range, +-0 below half the smallest subnormal; "-0" is -0.
    @return CR_OK or CR_E_TYPE (*out untouched). Never allocates. */
CR_HIDDEN cr_status cr_parse_double(const char *s, size_t n, double *out);

/*! cr_format_double() :
    The shortest decimal text that reads back as v (the nearest of the
    shortest, ties to an even digit), laid out as JavaScript's String(v) and
    JSON.stringify: "123", "0.5", "1e+21", "1.5e-7", "-2.5"; -0 is "0".
    Non-finite v (never written to JSON by the core) gives "inf", "-inf" or
    "nan", for messages. buf holds at least 32 bytes; NUL-terminated.
    @return the length. */
CR_HIDDEN size_t cr_format_double(char *buf, double v);

/*! cr_parse_whole() :
    The integer s[0..n) spells, read from its digits, which the caller has
    checked are of the form -?DIGITS(.DIGITS)?([eE][+-]?DIGITS)? (a JSON
    number's, leading zeros allowed): "3", "-0", "3.0", "1e3". A double can
    hide a difference (2^53 + 1 rounds to 2^53, 1.0000000000000000001 to 1).
    @return CR_OK with *out when the number is whole and within +-2^53 ("-0"
    is 0); CR_E_RANGE when it is whole and beyond; CR_E_TYPE when it is not
    whole (*out untouched). */
CR_HIDDEN cr_status cr_parse_whole(const char *s, size_t n, int64_t *out);

#endif
