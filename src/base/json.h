/* json.h - a small strict JSON reader (RFC 8259) into a flat token array. */
#ifndef CR_JSON_H
#define CR_JSON_H

#include "internal.h"

typedef enum { CR_JSON_OBJECT, CR_JSON_ARRAY, CR_JSON_STRING, CR_JSON_NUMBER,
               CR_JSON_TRUE, CR_JSON_FALSE, CR_JSON_NULL } cr_json_type;

typedef struct {
    uint8_t type;
    uint8_t escaped;       /* strings: the span holds a backslash escape */
    uint32_t start, end;   /* source span; strings without their quotes */
    uint32_t count;        /* children: array items, or object members */
    uint32_t next;         /* index of the token after this subtree */
    double number;         /* numbers: the value, read once while parsing */
} cr_json_tok;

typedef struct {
    const char *src;
    size_t len;
    cr_json_tok *tok;
    size_t n, cap;
} cr_json_doc;

/* Parses one JSON value (surrounding whitespace allowed). Strings must be
   valid UTF-8 with no lone surrogate escape and no NUL (a "\u0000" would
   end the C text every user reads: "+1555\u0000x" the caller "+1555"; a raw
   NUL byte is a control character); object keys are compared by their
   unescaped text ("a\u0062" is "ab": found by that name, and a duplicate of
   it), in n log n time. On error err has the byte column (1-based) and the
   reason; a NUL's error and a repeated key's name the member's path
   ("reasons[0].feature") in their field and message. Free with cr_json_free(). */
CR_HIDDEN cr_status cr_json_parse(const char *src, size_t len, cr_json_doc *doc, cr_error *err);
CR_HIDDEN void cr_json_free(cr_json_doc *doc);
/* Value token of `key` in object token `obj`, or -1. */
CR_HIDDEN int cr_json_get(const cr_json_doc *doc, int obj, const char *key);
/* Token of item `k` in array token `arr` (k < count). */
CR_HIDDEN int cr_json_item(const cr_json_doc *doc, int arr, size_t k);
/* Unescaped string into dst (NUL-terminated); 0 if not a string or too long. */
CR_HIDDEN int cr_json_string(const cr_json_doc *doc, int t, char *dst, size_t cap);
/* Bytes of string token t unescaped (strlen() of what cr_json_string()
   writes: the reader refuses a NUL). */
CR_HIDDEN size_t cr_json_string_length(const cr_json_doc *doc, int t);
/* Number value (the nearest double; +-inf beyond range, any length); 0 if
   not a number. */
CR_HIDDEN int cr_json_number(const cr_json_doc *doc, int t, double *out);
/* Number token t as the integer its text spells ("3", "-0", "3.0", "1e3"),
   read from the text: the double can hide a difference (2^53 + 1 rounds to
   2^53, 1.0000000000000000001 to 1). CR_OK with *out when it is within
   +-2^53; CR_E_RANGE when the text is a whole number beyond that;
   CR_E_TYPE when it is not a whole number, or t is not a number. */
CR_HIDDEN cr_status cr_json_integer(const cr_json_doc *doc, int t, int64_t *out);
/* Token t's text as written, cut to fit buf, for a message. */
CR_HIDDEN const char *cr_json_text(const cr_json_doc *doc, int t, char *buf, size_t cap);
CR_HIDDEN const char *cr_json_type_name(int type);

#endif
