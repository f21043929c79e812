/* numtext.h - doubles to and from text, independent of the C locale: a host
 * that calls setlocale(LC_NUMERIC, "de_DE") must not turn 0.5 into "0,5" in
 * a model's JSON, nor make "0.5" parse as 0. */
#ifndef CR_NUMTEXT_H
#define CR_NUMTEXT_H

#include "internal.h"

/* Parses the whole of s[0..n) as a decimal floating-point number (strtod's
   syntax, any length); *out is the nearest double (or +-inf beyond range).
   CR_E_TYPE if it is not one number, CR_E_NOMEM. */
CR_HIDDEN cr_status cr_parse_double(const char *s, size_t n, double *out);

/* %.17g of v (round-trips every double), with '.' as the decimal point and
   -0 written as 0; buf holds at least 32 bytes. Returns the length. */
CR_HIDDEN size_t cr_format_double(char *buf, double v);

#endif
