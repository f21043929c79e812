/* callrisk - command-line front end of the core: train, score, info.
 * Only standard C I/O, so the same source builds natively and as a WASI command. */
#include "callrisk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: callrisk train --csv FILE --out MODEL [options]   train, print the model card\n"
    "       callrisk score [--model MODEL] [--store DIR]       JSON lines in, JSON lines out\n"
    "       callrisk info [MODEL]                              print the model card\n"
    "       callrisk export MODEL --out FILE                   convert binary <-> JSON (by extension)\n"
    "       callrisk verify --store DIR [--model MODEL]        replay every stored score record\n"
    "\n"
    "train options:\n"
    "  --schema FILE        fields and features as JSON (default: the seed's schema)\n"
    "  --C X                inverse L2 strength (default 1.0)\n"
    "  --no-intercept       do not fit an intercept\n"
    "  --class-weight balanced | W0,W1\n"
    "  --max-iter N         Newton iterations (default 100)\n"
    "  --tol X              gradient tolerance relative to the weight sum (default 1e-10)\n"
    "  --sign FEATURE=nonneg|nonpos|free   sign constraint (repeatable)\n"
    "  --bands HIGH,MEDIUM  risk bands (default 70,40)\n"
    "--store DIR: each score's record is appended to DIR/scores.jsonl (flushed before\n"
    "the answer is printed); verify reports every record that does not replay.\n"
    "MODEL files ending in .json are canonical JSON, others binary. Without a MODEL,\n"
    "score and info use the default model: the seed's 5 rows, trained at start-up.\n";

typedef struct {
    char *data;
    size_t len;
} blob;

static void print_error(const char *what, const cr_error *e)
{
    fprintf(stderr, "callrisk: %s: %s [%s]\n", what, e->message, cr_status_name(e->status));
}

static int read_file(const char *path, blob *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "callrisk: cannot open '%s': %s\n", path, strerror(errno));
        return 0;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    int ok = buf && !ferror(f);
    fclose(f);
    if (!ok) {
        fprintf(stderr, "callrisk: cannot read '%s'\n", path);
        free(buf);
        return 0;
    }
    out->data = buf;
    out->len = len;
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int load_model(const char *path, cr_model **m)
{
    cr_error e;
    if (!path) {
        if (cr_model_create_default(m, &e) == CR_OK) return 1;
        print_error("default model", &e);
        return 0;
    }
    blob b;
    if (!read_file(path, &b)) return 0;
    size_t i = 0;
    while (i < b.len && (b.data[i] == ' ' || b.data[i] == '\n' || b.data[i] == '\r' || b.data[i] == '\t')) i++;
    cr_status st = i < b.len && b.data[i] == '{' ? cr_model_from_json(b.data, b.len, m, &e)
                                                 : cr_model_load(b.data, b.len, m, &e);
    free(b.data);
    if (st != CR_OK) {
        char what[600];
        snprintf(what, sizeof what, "model '%s'", path);
        print_error(what, &e);
        return 0;
    }
    return 1;
}

static int write_model(const cr_model *m, const char *path)
{
    size_t size = 0;
    int json = ends_with(path, ".json");
    if (json) cr_model_to_json(m, NULL, 0, &size, NULL);
    else cr_model_save(m, NULL, 0, &size, NULL);
    char *buf = malloc(size + 1);
    cr_error e;
    cr_status st = !buf ? CR_E_NOMEM
                 : json ? cr_model_to_json(m, buf, size + 1, &size, &e)
                        : cr_model_save(m, buf, size, &size, &e);
    if (st != CR_OK) {
        free(buf);
        fprintf(stderr, "callrisk: cannot serialise model: %s\n", cr_status_str(st));
        return 0;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, size, f) == size;
    if (f && fclose(f) != 0) ok = 0;
    free(buf);
    if (!ok) fprintf(stderr, "callrisk: cannot write '%s': %s\n", path, strerror(errno));
    return ok;
}

static void print_card(const cr_model *m)
{
    size_t size = 0;
    cr_model_card_json(m, NULL, 0, &size, NULL);
    char *buf = malloc(size + 1);
    if (buf && cr_model_card_json(m, buf, size + 1, &size, NULL) == CR_OK) printf("%s\n", buf);
    free(buf);
}

static int parse_double(const char *opt, const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (*s && !*end && !errno) return 1;
    fprintf(stderr, "callrisk: option '%s': '%s' is not a number\n", opt, s);
    return 0;
}

static int parse_int(const char *opt, const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (*s && !*end && !errno && x >= -2147483647L && x <= 2147483647L) {
        *v = (int)x;
        return 1;
    }
    fprintf(stderr, "callrisk: option '%s': '%s' is not an integer\n", opt, s);
    return 0;
}

/* Reads the CSV in chunks: the training set never has to fit twice in memory. */
static int read_csv(const char *path, cr_dataset *ds)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "callrisk: cannot open '%s': %s\n", path, strerror(errno));
        return 0;
    }
    cr_csv_reader *r = NULL;
    cr_error e;
    cr_status st = cr_csv_reader_create(ds, &r, &e);
    char buf[1 << 16];
    size_t n;
    while (st == CR_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) st = cr_csv_feed(r, buf, n, &e);
    if (st == CR_OK && ferror(f)) {
        fprintf(stderr, "callrisk: cannot read '%s'\n", path);
        st = CR_E_IO;
    } else if (st == CR_OK) {
        st = cr_csv_finish(r, &e);
    }
    if (st != CR_OK && st != CR_E_IO) print_error(path, &e);   /* the message carries line and column */
    cr_csv_reader_free(r);
    fclose(f);
    return st == CR_OK;
}

static int cmd_train(int argc, char **argv)
{
    const char *csv = NULL, *out = NULL, *schema_path = NULL;
    cr_train_options opt;
    cr_train_options_init(&opt);
    const char *sign_args[CR_MAX_FEATURES];
    int n_sign = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--no-intercept") != 0;
        if (takes && !v) {
            fprintf(stderr, "callrisk: option '%s' needs a value\n%s", a, USAGE);
            return 2;
        }
        if (strcmp(a, "--csv") == 0) csv = v;
        else if (strcmp(a, "--out") == 0) out = v;
        else if (strcmp(a, "--schema") == 0) schema_path = v;
        else if (strcmp(a, "--no-intercept") == 0) opt.fit_intercept = 0;
        else if (strcmp(a, "--C") == 0) { if (!parse_double(a, v, &opt.C)) return 2; }
        else if (strcmp(a, "--tol") == 0) { if (!parse_double(a, v, &opt.tol)) return 2; }
        else if (strcmp(a, "--max-iter") == 0) { if (!parse_int(a, v, &opt.max_iter)) return 2; }
        else if (strcmp(a, "--class-weight") == 0) {
            if (strcmp(v, "balanced") == 0) opt.class_weight_mode = CR_CLASS_WEIGHT_BALANCED;
            else if (sscanf(v, "%lf,%lf", &opt.class_weight[0], &opt.class_weight[1]) == 2)
                opt.class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT;
            else {
                fprintf(stderr, "callrisk: option '--class-weight': want 'balanced' or 'W0,W1', got '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--bands") == 0) {
            if (sscanf(v, "%d,%d", &opt.band_high, &opt.band_medium) != 2) {
                fprintf(stderr, "callrisk: option '--bands': want 'HIGH,MEDIUM', got '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--sign") == 0) {
            if (n_sign == CR_MAX_FEATURES) {
                fprintf(stderr, "callrisk: too many --sign options\n");
                return 2;
            }
            sign_args[n_sign++] = v;
        } else {
            fprintf(stderr, "callrisk: unknown option '%s'\n%s", a, USAGE);
            return 2;
        }
        i += takes;
    }
    if (!csv || !out) {
        fprintf(stderr, "callrisk: train needs --csv FILE and --out MODEL\n%s", USAGE);
        return 2;
    }

    cr_error e;
    cr_schema *schema = NULL;
    if (schema_path) {
        blob b;
        if (!read_file(schema_path, &b)) return 1;
        cr_status st = cr_schema_from_json(b.data, b.len, &schema, &e);
        free(b.data);
        if (st != CR_OK) {
            print_error(schema_path, &e);
            return 1;
        }
    } else if (cr_schema_create_default(&schema, &e) != CR_OK) {
        print_error("schema", &e);
        return 1;
    }

    cr_sign signs[CR_MAX_FEATURES] = {CR_SIGN_FREE};
    for (int k = 0; k < n_sign; k++) {
        const char *eq = strchr(sign_args[k], '=');
        int found = -1;
        for (size_t j = 0; eq && j < cr_schema_feature_count(schema); j++) {
            const char *name = cr_schema_feature_name(schema, j);
            if (strlen(name) == (size_t)(eq - sign_args[k]) && strncmp(name, sign_args[k], strlen(name)) == 0)
                found = (int)j;
        }
        cr_sign s = !eq ? CR_SIGN_FREE : strcmp(eq + 1, "nonneg") == 0 ? CR_SIGN_NONNEG
                        : strcmp(eq + 1, "nonpos") == 0                ? CR_SIGN_NONPOS
                                                                       : CR_SIGN_FREE;
        if (found < 0 || (s == CR_SIGN_FREE && strcmp(eq + 1, "free") != 0)) {
            fprintf(stderr, "callrisk: option '--sign': want FEATURE=nonneg|nonpos|free with a feature of the "
                            "schema, got '%s'\n", sign_args[k]);
            cr_schema_free(schema);
            return 2;
        }
        signs[found] = s;
    }
    opt.signs = signs;

    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    int ok = cr_dataset_create(schema, &ds, &e) == CR_OK && read_csv(csv, ds);
    if (ok && cr_train(ds, &opt, &m, &e) != CR_OK) {
        print_error("train", &e);
        ok = 0;
    }
    ok = ok && write_model(m, out);
    if (ok) {
        cr_train_stats stats;
        cr_model_stats(m, &stats);
        if (!stats.converged)
            fprintf(stderr, "callrisk: warning: not converged after %d iterations (gradient %.3g)\n",
                    stats.iterations, stats.grad_norm);
        print_card(m);
    }
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(schema);
    return ok ? 0 : 1;
}

/* One JSON string, escaped (field names and messages may hold anything). */
static void put_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void print_result(const cr_model *m, const cr_score_result *r, const cr_reason *reasons)
{
    const cr_schema *s = cr_model_schema(m);
    printf("{\"score\":%d,\"risk_level\":\"%s\",\"probability\":%.17g,\"reasons\":[", r->score,
           cr_risk_level_str(r->risk_level), r->probability);
    for (size_t j = 0; j < cr_schema_feature_count(s); j++)
        printf("%s{\"feature\":\"%s\",\"contribution\":%.17g}", j ? "," : "",
               cr_schema_feature_name(s, reasons[j].feature), reasons[j].contribution);
    printf("],\"model_id\":\"%s\"}\n", cr_model_id(m));
}

static void print_line_error(long line, const cr_error *e)
{
    printf("{\"line\":%ld,\"error\":{\"code\":\"%s\",\"status\":%d,\"field\":", line, cr_status_name(e->status),
           (int)e->status);
    if (e->field[0]) put_json_string(e->field);
    else printf("null");
    printf(",\"message\":");
    put_json_string(e->message);
    printf("}}\n");
}

/* Reads one line of any length; 0 at end of input. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
    *len = 0;
    int c = EOF;
    while ((c = getc(f)) != EOF) {
        if (*len + 1 >= *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *b = realloc(*buf, ncap);
            if (!b) return 0;
            *buf = b;
            *cap = ncap;
        }
        if (c == '\n') break;
        (*buf)[(*len)++] = (char)c;
    }
    if (c == EOF && *len == 0) return 0;
    if (*len && (*buf)[*len - 1] == '\r') (*len)--;
    (*buf)[*len] = 0;
    return 1;
}

/* The CLI's store: score records appended as JSON lines to DIR/scores.jsonl. */
static FILE *open_store(const char *dir, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/scores.jsonl", dir);
    FILE *f = fopen(path, mode);
    if (!f) fprintf(stderr, "callrisk: cannot open store '%s': %s\n", path, strerror(errno));
    return f;
}

/* Appends one record and flushes it: 0 when it reached the file. */
static int store_save(FILE *store, const char *record, size_t len)
{
    if (fwrite(record, 1, len, store) != len || fputc('\n', store) == EOF || fflush(store) != 0) return -1;
    return 0;
}

static cr_status save_record(FILE *store, const cr_model *m, const double *fields, const cr_score_result *r,
                             const cr_reason *reasons, cr_error *e)
{
    size_t size = 0;
    cr_score_record_json(m, fields, r, reasons, NULL, 0, 0.0 / 0.0, NULL, 0, &size, NULL);
    char *rec = malloc(size + 1);
    cr_status st = rec ? cr_score_record_json(m, fields, r, reasons, NULL, 0, 0.0 / 0.0, rec, size + 1, &size, e)
                       : CR_E_NOMEM;
    if (st == CR_OK && store_save(store, rec, size) != 0) {
        snprintf(e->message, sizeof e->message, "host store: appending the score record failed: %s", strerror(errno));
        e->field[0] = 0;
        e->status = st = CR_E_STORE;
    }
    free(rec);
    return st;
}

/* --model MODEL and --store DIR, the options of score and verify. */
static int model_store_options(int argc, char **argv, const char **model_path, const char **store_dir)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) *model_path = argv[++i];
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) *store_dir = argv[++i];
        else {
            fprintf(stderr, "callrisk: unknown option '%s'\n%s", argv[i], USAGE);
            return 0;
        }
    }
    return 1;
}

static int cmd_score(int argc, char **argv)
{
    const char *model_path = NULL, *store_dir = NULL;
    if (!model_store_options(argc, argv, &model_path, &store_dir)) return 2;
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    FILE *store = store_dir ? open_store(store_dir, "ab") : NULL;
    if (store_dir && !store) {
        cr_model_free(m);
        return 1;
    }
    const cr_schema *s = cr_model_schema(m);
    double fields[CR_MAX_FIELDS];
    cr_reason reasons[CR_MAX_FEATURES];
    char *buf = NULL;
    size_t cap = 0, len = 0;
    long line = 0, failed = 0;
    while (read_line(stdin, &buf, &cap, &len)) {
        line++;
        size_t k = 0;
        while (k < len && (buf[k] == ' ' || buf[k] == '\t')) k++;
        if (k == len) continue;   /* blank lines carry no request */
        cr_error e;
        cr_score_result r;
        cr_status st = cr_request_parse(s, buf, len, fields, &e);
        if (st == CR_OK) st = cr_score(m, fields, &r, reasons, CR_MAX_FEATURES, &e);
        if (st == CR_OK && store) st = save_record(store, m, fields, &r, reasons, &e);
        if (st == CR_OK) print_result(m, &r, reasons);
        else {
            print_line_error(line, &e);
            failed++;
        }
    }
    free(buf);
    cr_model_free(m);
    if (store && fclose(store) != 0) failed++;
    if (fflush(stdout) != 0) return 1;
    if (failed) fprintf(stderr, "callrisk: %ld of %ld lines failed\n", failed, line);
    return failed ? 1 : 0;
}

static int cmd_verify(int argc, char **argv)
{
    const char *model_path = NULL, *store_dir = NULL;
    if (!model_store_options(argc, argv, &model_path, &store_dir)) return 2;
    if (!store_dir) {
        fprintf(stderr, "callrisk: verify needs --store DIR\n%s", USAGE);
        return 2;
    }
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    FILE *store = open_store(store_dir, "rb");
    if (!store) {
        cr_model_free(m);
        return 1;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0;
    long line = 0, records = 0, bad = 0;
    while (read_line(store, &buf, &cap, &len)) {
        line++;
        if (len == 0) continue;
        records++;
        cr_error e;
        if (cr_verify_record(m, buf, len, &e) != CR_OK) {
            print_line_error(line, &e);
            bad++;
        }
    }
    free(buf);
    fclose(store);
    cr_model_free(m);
    fprintf(stderr, "callrisk: verified %ld records: %ld do not replay\n", records, bad);
    return bad ? 1 : 0;
}

static int cmd_info(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "callrisk: info takes at most one MODEL\n%s", USAGE);
        return 2;
    }
    cr_model *m = NULL;
    if (!load_model(argc ? argv[0] : NULL, &m)) return 1;
    print_card(m);
    cr_model_free(m);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--out") != 0) {
        fprintf(stderr, "callrisk: export needs MODEL --out FILE\n%s", USAGE);
        return 2;
    }
    cr_model *m = NULL;
    if (!load_model(argv[0], &m)) return 1;
    int ok = write_model(m, argv[2]);
    cr_model_free(m);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("callrisk %d.%d.%d (model format %u)\n", CR_VERSION_MAJOR, CR_VERSION_MINOR, CR_VERSION_PATCH,
               CR_MODEL_FORMAT_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "train") == 0) return cmd_train(argc - 2, argv + 2);
    if (strcmp(argv[1], "score") == 0) return cmd_score(argc - 2, argv + 2);
    if (strcmp(argv[1], "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(argv[1], "export") == 0) return cmd_export(argc - 2, argv + 2);
    if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 2, argv + 2);
    fprintf(stderr, "callrisk: unknown command '%s'\n%s", argv[1], USAGE);
    return 2;
}
