/* test_contract.c - the core's side of tests/contract/cases.json: each bad
 * option and bad request gets the status and field the file says; every
 * other host's contract test holds itself to the same file. */
#include <stdlib.h>

#include "callrisk.h"
#include "check.h"
#include "json.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*len] = 0;
    return buf;
}

static void expect(const char *what, size_t i, cr_status st, const cr_error *e, const char *code, const char *field)
{
    if (strcmp(cr_status_name(st), code) != 0 || strcmp(e->field, field) != 0) {
        fprintf(stderr, "%s[%zu]: got %s field '%s' (%s), want %s field '%s'\n", what, i, cr_status_name(st), e->field,
                e->message, code, field);
        check_failures++;
    }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : getenv("CALLRISK_CONTRACT");
    size_t len = 0;
    char *text = path ? slurp(path, &len) : NULL;
    CHECK(text != NULL);
    if (!text) return check_done("test_contract");
    cr_json_doc d;
    CHECK_OK(cr_json_parse(text, len, &d, &check_err));
    cr_schema *s = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_model_create_default(&m, &check_err));
    const int options = cr_json_get(&d, 0, "options"), requests = cr_json_get(&d, 0, "requests");
    CHECK(options > 0 && requests > 0 && d.tok[options].count >= 20 && d.tok[requests].count >= 20);
    char code[32], field[CR_MAX_NAME + 1], body[1024];
    for (size_t i = 0; i < d.tok[options].count; i++) {
        const int c = cr_json_item(&d, options, i), v = cr_json_get(&d, c, "json");
        CHECK(cr_json_string(&d, cr_json_get(&d, c, "code"), code, sizeof code));
        CHECK(cr_json_string(&d, cr_json_get(&d, c, "field"), field, sizeof field));
        cr_train_options o;
        cr_error e;
        memset(&e, 0, sizeof e);
        cr_status st = cr_train_options_from_json(&o, s, text + d.tok[v].start, d.tok[v].end - d.tok[v].start, &e);
        expect("options", i, st, &e, code, field);
    }
    for (size_t i = 0; i < d.tok[requests].count; i++) {
        const int c = cr_json_item(&d, requests, i);
        const int v = cr_json_get(&d, c, "json"), t = cr_json_get(&d, c, "text");
        const char *req = body;
        size_t n;
        if (v >= 0) {
            req = text + d.tok[v].start;
            n = d.tok[v].end - d.tok[v].start;
        } else {
            CHECK(cr_json_string(&d, t, body, sizeof body));
            n = strlen(body);
        }
        CHECK(cr_json_string(&d, cr_json_get(&d, c, "code"), code, sizeof code));
        CHECK(cr_json_string(&d, cr_json_get(&d, c, "field"), field, sizeof field));
        double f[CR_MAX_FIELDS];
        cr_error e;
        memset(&e, 0, sizeof e);
        cr_status st = cr_request_parse(cr_model_schema(m), req, n, f, &e);
        expect("requests", i, st, &e, code, field);
    }
    cr_json_free(&d);
    cr_model_free(m);
    cr_schema_free(s);
    return check_done("test_contract");
}
