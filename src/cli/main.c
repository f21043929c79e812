/* callrisk - command-line front end of the core: train, score, info.
 * Only standard C I/O, so the same source builds natively and as a WASI command. */
#define _POSIX_C_SOURCE 200809L   /* fsync, ftruncate, pread */

#include "callrisk.h"

#include <errno.h>
#include <fcntl.h>
#ifndef __wasi__
#include <signal.h>   /* WASI has no signals */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: callrisk train --csv FILE --out MODEL [options]   train, print the model card\n"
    "       callrisk score [--model MODEL] [--store DIR]       JSON lines in, JSON lines out\n"
    "       callrisk info [MODEL]                              print the model card\n"
    "       callrisk eval --csv FILE [--model MODEL] [--holdout F[,order|hash[,SEED]]]\n"
    "                                                          the model's metrics on labelled rows (with --holdout:\n"
    "                                                          those train holds out with it), as JSON\n"
    "       callrisk drift --model MODEL (--csv FILE | --store DIR)  PSI against the model's reference, as JSON\n"
    "       callrisk export MODEL --out FILE                   convert binary <-> JSON (by extension)\n"
    "       callrisk verify --store DIR [--model MODEL]        replay every stored score record\n"
    "\n"
    "train options:\n"
    "  --schema FILE        fields and features as JSON (default: the seed's schema)\n"
    "  --options JSON       every option below at once, as JSON ({\"C\": 0.5, \"signs\": {...}})\n"
    "  --C X                inverse L2 strength (default 1.0)\n"
    "  --no-intercept       do not fit an intercept\n"
    "  --class-weight balanced | W0,W1\n"
    "  --max-iter N         Newton iterations (default 100)\n"
    "  --tol X              gradient tolerance relative to the weight sum (default 1e-10)\n"
    "  --sign FEATURE=nonneg|nonpos|free   sign constraint (repeatable)\n"
    "  --bands HIGH,MEDIUM  risk bands (default 70,40)\n"
    "  --label-column NAME  the CSV's column of 0/1 labels (default label)\n"
    "  --weight-column NAME the CSV's column of sample weights, optional (default weight)\n"
    "  --holdout F[,order|hash[,SEED]]  keep a fraction F of the rows out of the fit and measure the model on them\n"
    "  --calibration sigmoid  Platt scaling fitted on the holdout (needs --holdout)\n"
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
    /* The core's message may already say where ("drift: no rows"): once. */
    const size_t n = strlen(what);
    const int said = strncmp(e->message, what, n) == 0 && e->message[n] == ':';
    fprintf(stderr, "callrisk: %s%s%s [%s]\n", said ? "" : what, said ? "" : ": ", e->message,
            cr_status_name(e->status));
}

/* An option's error: its reason, and the field for scripts when it has one. */
static void print_option_error(const cr_error *e, const char *tail)
{
    fprintf(stderr, "callrisk: %s [%s%s%s%s]\n%s", e->message, cr_status_name(e->status), e->field[0] ? ", field '" : "",
            e->field, e->field[0] ? "'" : "", tail);
}

/* ---- usage errors (exit 2) ---- */

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("callrisk: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", USAGE);
    return 0;
}

/* An argument no flag of the command knows: --flag=VALUE (the value is the
   next argument: or none, for `valueless`), an unknown --flag, or a stray word. */
static int not_a_flag(const char *a, const char *const *valued, const char *const *valueless)
{
    const char *eq = strchr(a, '=');
    if (strncmp(a, "--", 2) == 0 && eq) {
        const size_t n = (size_t)(eq - a);
        for (const char *const *f = valueless; f && *f; f++)
            if (strlen(*f) == n && strncmp(*f, a, n) == 0) return usage_error("option '%s' takes no value", *f);
        for (const char *const *f = valued; f && *f; f++)
            if (strlen(*f) == n && strncmp(*f, a, n) == 0)
                return usage_error("unknown option '%s' (the value is the next argument: %s VALUE)", a, *f);
    }
    if (strncmp(a, "--", 2) == 0) return usage_error("unknown option '%s'", a);
    return usage_error("unexpected argument '%s'", a);
}

/* FLAG VALUE pairs, each flag at most once: flags[k]'s value into *slots[k]
   (left alone when not given). 1, or 0 after the usage error. */
static int parse_flags(int argc, char **argv, const char *const *flags, const char **const *slots)
{
    for (int i = 0; i < argc; i++) {
        int k = 0;
        while (flags[k] && strcmp(flags[k], argv[i]) != 0) k++;
        if (!flags[k]) return not_a_flag(argv[i], flags, NULL);
        if (i + 1 >= argc) return usage_error("option '%s' needs a value", argv[i]);
        if (*slots[k]) return usage_error("%s given twice", argv[i]);
        *slots[k] = argv[++i];
    }
    return 1;
}

/* Model and schema files are a few KiB: anything past this is not one
   (and /dev/zero must not fill memory). */
#define MAX_SMALL_FILE (1u << 20)

/* Whether `path` is a directory, said once it is: the same way natively and
   under WASI, where reading one fails differently. */
static int is_directory(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return 0;
    fprintf(stderr, "callrisk: cannot read '%s': it is a directory\n", path);
    return 1;
}

static int read_file(const char *path, blob *out)
{
    if (is_directory(path)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "callrisk: cannot open '%s': %s\n", path, strerror(errno));
        return 0;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    int too_big = 0;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len > MAX_SMALL_FILE) {
            too_big = 1;
            break;
        }
        if (len == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    const int read_error = buf && !too_big && ferror(f) ? errno : 0;
    fclose(f);
    if (!buf || too_big || read_error) {
        if (too_big) fprintf(stderr, "callrisk: '%s' is larger than %u MiB: not a model or schema\n", path, MAX_SMALL_FILE >> 20);
        else fprintf(stderr, "callrisk: cannot read '%s': %s\n", path, buf ? strerror(read_error) : "out of memory");
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
    /* The first failure's errno: a full disk shows at fclose's flush. */
    FILE *f = fopen(path, "wb");
    int errnum = f ? 0 : errno;
    if (f && fwrite(buf, 1, size, f) != size) errnum = errno;
    if (f && fclose(f) != 0 && !errnum) errnum = errno;
    free(buf);
    if (errnum) fprintf(stderr, "callrisk: cannot write '%s': %s\n", path, strerror(errnum));
    return !errnum;
}

static void print_card(const cr_model *m)
{
    size_t size = 0;
    cr_model_card_json(m, NULL, 0, &size, NULL);
    char *buf = malloc(size + 1);
    if (buf && cr_model_card_json(m, buf, size + 1, &size, NULL) == CR_OK) printf("%s\n", buf);
    free(buf);
}

/* Reads the CSV in chunks: the training set never has to fit twice in memory. */
static int read_csv(const char *path, cr_dataset *ds, const cr_train_options *opt)
{
    if (is_directory(path)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "callrisk: cannot open '%s': %s\n", path, strerror(errno));
        return 0;
    }
    cr_csv_reader *r = NULL;
    cr_error e;
    cr_status st = cr_csv_reader_create(ds, opt, &r, &e);
    char buf[1 << 16];
    size_t n;
    while (st == CR_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) st = cr_csv_feed(r, buf, n, &e);
    if (st == CR_OK && ferror(f)) {
        fprintf(stderr, "callrisk: cannot read '%s': %s\n", path, strerror(errno));
        st = CR_E_IO;
    } else if (st == CR_OK) {
        st = cr_csv_finish(r, &e);
    }
    if (st != CR_OK && st != CR_E_IO) print_error(path, &e);   /* the message carries line and column */
    cr_csv_reader_free(r);
    fclose(f);
    return st == CR_OK;
}

/* Whether the core knows the training option `name` (its answer to setting
   it, on a scratch copy: CR_E_ARG "unknown option" only for a name it does
   not know). */
static int known_option(const char *name)
{
    cr_schema *s = NULL;
    if (cr_schema_create_default(&s, NULL) != CR_OK) return 1;   /* the core will say */
    cr_train_options o;
    cr_train_options_init(&o);
    cr_error e;
    const int unknown = cr_train_options_set(&o, s, name, "null", 4, &e) == CR_E_ARG &&
                        strncmp(e.message, "unknown option", 14) == 0;
    cr_schema_free(s);
    return !unknown;
}

/* Whether the JSON object `json` (valid: cr_train_options_from_json() took
   it) has the member `key` at its top level. */
static int json_has_key(const char *json, const char *key)
{
    int depth = 0;
    for (const char *p = json; *p;) {
        if (*p != '"') {
            depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
            p++;
            continue;
        }
        char buf[CR_MAX_NAME + 2];
        size_t n = 0;
        int fits = 1;
        for (p++; *p && *p != '"';) {
            unsigned c = (unsigned char)*p++;
            if (c == '\\' && *p) {
                const char x = *p++;
                if (x == 'u') {
                    c = 0;
                    for (int k = 0; k < 4 && *p; k++, p++)
                        c = c * 16 + (unsigned)(*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
                    fits &= c > 0 && c < 128;   /* option names are ASCII */
                } else {
                    c = x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r' : x == 'b' ? '\b' : x == 'f' ? '\f'
                                                                                                   : (unsigned char)x;
                }
            }
            if (n + 1 < sizeof buf) buf[n++] = (char)c;
            else fits = 0;
        }
        if (*p) p++;
        buf[n] = 0;
        const char *q = p;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
        if (depth == 1 && *q == ':' && fits && strcmp(buf, key) == 0) return 1;
    }
    return 0;
}

static int cmd_train(int argc, char **argv)
{
    const char *csv = NULL, *out = NULL, *schema_path = NULL, *options_json = NULL;
    static const char *const own[] = {"--csv", "--out", "--schema", "--options", NULL};
    const char **const own_slots[] = {&csv, &out, &schema_path, &options_json};
    /* --options JSON sets them all at once (cr_train_options_from_json()); every other flag is a training option, --name-with-dashes VALUE for
       the option name_with_dashes: the core knows them, parses their text and
       checks them (cr_train_options_set_text()), so a new option needs no
       code here. --no-intercept and --sign are the shorter spellings of
       --fit-intercept false and --signs FEATURE=SIGN. Each flag sets its
       option once (--sign once per feature), and not one --options sets. */
    const char *names[2 * CR_MAX_FEATURES], *values[2 * CR_MAX_FEATURES], *flag[2 * CR_MAX_FEATURES];
    char name_buf[2 * CR_MAX_FEATURES][CR_MAX_NAME + 1];
    static const char *const valueless[] = {"--no-intercept", NULL};
    int n_options = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        const int takes = strcmp(a, "--no-intercept") != 0;
        int k = 0;
        while (own[k] && strcmp(own[k], a) != 0) k++;
        if (own[k]) {
            if (!v) return usage_error("option '%s' needs a value", a), 2;
            if (*own_slots[k]) return usage_error("%s given twice", a), 2;
            *own_slots[k] = v;
            i++;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || strchr(a, '=')) return not_a_flag(a, NULL, valueless), 2;
        if (n_options == 2 * CR_MAX_FEATURES || strlen(a + 2) > CR_MAX_NAME) {
            fprintf(stderr, "callrisk: too many options, or '%.40s' is too long\n", a);
            return 2;
        }
        const char *name = !takes ? "fit_intercept" : strcmp(a, "--sign") == 0 ? "signs" : a + 2;
        char *n = strcpy(name_buf[n_options], name);
        for (; *n; n++)
            if (*n == '-') *n = '_';
        if (!known_option(name_buf[n_options])) return not_a_flag(a, NULL, NULL), 2;
        if (takes && !v) return usage_error("option '%s' needs a value", a), 2;
        for (int j = 0; j < n_options; j++) {
            if (strcmp(names[j], name_buf[n_options]) != 0) continue;
            if (strcmp(names[j], "signs") == 0) {   /* one sign per feature: FEATURE=SIGN */
                const size_t fa = strcspn(values[j], "="), fb = strcspn(v, "=");
                if (fa != fb || strncmp(values[j], v, fa) != 0) continue;
                return usage_error("%s given twice for feature '%.*s'", a, (int)fb, v), 2;
            }
            if (strcmp(flag[j], a) == 0) return usage_error("%s given twice", a), 2;
            return usage_error("%s and %s both set option '%s'", flag[j], a, names[j]), 2;
        }
        names[n_options] = name_buf[n_options];
        flag[n_options] = a;
        values[n_options++] = takes ? v : "false";
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

    cr_train_options opt;
    cr_train_options_init(&opt);
    int bad = options_json && cr_train_options_from_json(&opt, schema, options_json, strlen(options_json), &e) != CR_OK;
    for (int k = 0; k < n_options && !bad && options_json; k++)
        if (json_has_key(options_json, names[k])) {
            usage_error("%s and --options both set option '%s'", flag[k], names[k]);
            cr_schema_free(schema);
            return 2;
        }
    for (int k = 0; k < n_options && !bad; k++) bad = cr_train_options_set_text(&opt, schema, names[k], values[k], &e) != CR_OK;
    if (!bad) bad = cr_train_options_check(&opt, schema, &e) != CR_OK;   /* the options as a whole */
    if (bad) {   /* a usage error: the option and its reason, the field for scripts */
        print_option_error(&e, e.status == CR_E_ARG ? USAGE : "");
        cr_schema_free(schema);
        return 2;
    }

    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    int ok = cr_dataset_create(schema, &ds, &e) == CR_OK && read_csv(csv, ds, &opt);
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

/* Answers are built in memory and written in groups (see cmd_score). */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;   /* out of memory: the answers are lost, say so once */
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
    if (o->failed) return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (o->len + n + 1 > cap) cap *= 2;
        char *d = realloc(o->data, cap);
        if (!d) {
            o->failed = 1;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
}

static void out_printf(outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(outbuf *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) out_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* One JSON string, escaped. The core's messages are printable ASCII; the
   rest is escaped anyway so that an answer line is always valid JSON. */
static void out_json_string(outbuf *o, const char *s)
{
    out_put(o, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') out_printf(o, "\\%c", c);
        else if (c < 0x20 || c > 0x7e) out_printf(o, "\\u%04x", c);
        else out_put(o, s, 1);
    }
    out_put(o, "\"", 1);
}

static void out_result(outbuf *o, const cr_model *m, const cr_score_result *r, const cr_reason *reasons)
{
    const cr_schema *s = cr_model_schema(m);
    out_printf(o, "{\"score\":%d,\"risk_level\":\"%s\",\"probability\":%.17g,\"reasons\":[", r->score,
               cr_risk_level_str(r->risk_level), r->probability);
    for (size_t j = 0; j < cr_schema_feature_count(s); j++)
        out_printf(o, "%s{\"feature\":\"%s\",\"contribution\":%.17g}", j ? "," : "",
                   cr_schema_feature_name(s, reasons[j].feature), reasons[j].contribution);
    out_printf(o, "],\"model_id\":\"%s\"}\n", cr_model_id(m));
}

static void out_line_error(outbuf *o, long line, const cr_error *e)
{
    out_printf(o, "{\"line\":%ld,\"error\":{\"code\":\"%s\",\"status\":%d,\"field\":", line,
               cr_status_name(e->status), (int)e->status);
    if (e->field[0]) out_json_string(o, e->field);
    else out_put(o, "null", 4);
    out_put(o, ",\"message\":", 11);
    out_json_string(o, e->message);
    out_put(o, "}}\n", 3);
}

static int out_flush(outbuf *o, FILE *f)
{
    if (o->failed) {
        fprintf(stderr, "callrisk: out of memory holding answers\n");
        return 0;
    }
    int ok = (o->len == 0 || fwrite(o->data, 1, o->len, f) == o->len) && fflush(f) == 0;
    if (!ok) fprintf(stderr, "callrisk: cannot write the answers: %s\n", strerror(errno));
    o->len = 0;
    return ok;
}

static void store_error(cr_error *e, const char *what, int errnum)
{
    memset(e, 0, sizeof *e);
    e->status = CR_E_STORE;
    snprintf(e->message, sizeof e->message, "host store: %s failed: %s", what, strerror(errnum));
}

/* The CLI's store: DIR/scores.jsonl, one canonical record per line. A record
   line is written whole or not at all: built in memory, written with one
   write (short writes continued), and on any failure the file is cut back
   to its previous length, so that a later record never lands on half a line.
   Records are fsync'ed before their answers are printed (cmd_score). */
typedef struct {
    int fd;
    off_t size;     /* bytes of whole records */
    off_t synced;   /* bytes known to be on disk */
    char path[4096];
} record_store;

static int store_path(record_store *st, const char *dir)
{
    if ((size_t)snprintf(st->path, sizeof st->path, "%s/scores.jsonl", dir) >= sizeof st->path) {
        fprintf(stderr, "callrisk: store directory name too long\n");
        return 0;
    }
    return 1;
}

/* Length of the file up to and including its last newline. */
static off_t whole_lines(int fd, off_t size)
{
    char buf[4096];
    off_t end = size;
    while (end > 0) {
        size_t n = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
        ssize_t got = pread(fd, buf, n, end - (off_t)n);
        if (got != (ssize_t)n) return -1;
        for (size_t i = n; i-- > 0;)
            if (buf[i] == '\n') return end - (off_t)n + (off_t)i + 1;
        end -= (off_t)n;
    }
    return 0;
}

/* Opens the store for appending. A torn last line (a write cut off by a
   crash or power loss; never acknowledged) is cut away, as a database
   rolls back an uncommitted transaction, and reported on stderr. */
static int store_open(record_store *st, const char *dir)
{
    if (!store_path(st, dir)) return 0;
    st->fd = open(st->path, O_RDWR | O_CREAT | O_APPEND, 0644);
    struct stat sb;
    if (st->fd < 0 || fstat(st->fd, &sb) != 0) {
        fprintf(stderr, "callrisk: cannot open store '%s': %s\n", st->path, strerror(errno));
        if (st->fd >= 0) close(st->fd);
        return 0;
    }
    const off_t whole = whole_lines(st->fd, sb.st_size);
    if (whole < 0 || (whole < sb.st_size && (ftruncate(st->fd, whole) != 0 || fsync(st->fd) != 0))) {
        fprintf(stderr, "callrisk: cannot repair the torn end of store '%s': %s\n", st->path, strerror(errno));
        close(st->fd);
        return 0;
    }
    if (whole < sb.st_size)
        fprintf(stderr, "callrisk: store '%s': removed a torn last record of %lld bytes (an interrupted write, "
                        "never acknowledged)\n", st->path, (long long)(sb.st_size - whole));
    st->size = st->synced = whole;
    return 1;
}

/* Appends one record line; 0 when all of it is in the file, else errno. */
static int store_append(record_store *st, const char *line, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(st->fd, line + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            if (ftruncate(st->fd, st->size) != 0) e = errno;
            return e;
        }
        done += (size_t)n;
    }
    st->size += (off_t)len;
    return 0;
}

/* Makes the appended records durable; on failure they are cut away again. */
static int store_sync(record_store *st)
{
    if (st->synced == st->size) return 0;
    /* EINVAL: a FIFO or device has nothing to sync; what was written went. */
    if (fsync(st->fd) != 0 && errno != EINVAL) {
        int e = errno;
        if (ftruncate(st->fd, st->synced) == 0) st->size = st->synced;
        return e;
    }
    st->synced = st->size;
    return 0;
}

/* The record of one answered line, appended to the store. */
static cr_status save_record(record_store *store, const cr_model *m, const double *fields,
                             const cr_score_result *r, const cr_reason *reasons, cr_error *e)
{
    size_t size = 0;
    cr_score_record_json(m, fields, r, reasons, NULL, 0, 0.0 / 0.0, NULL, 0, &size, NULL);
    char *rec = malloc(size + 2);
    if (!rec) {
        memset(e, 0, sizeof *e);
        e->status = CR_E_NOMEM;
        snprintf(e->message, sizeof e->message, "out of memory writing the score record");
        return CR_E_NOMEM;
    }
    cr_status st = cr_score_record_json(m, fields, r, reasons, NULL, 0, 0.0 / 0.0, rec, size + 2, &size, e);
    if (st == CR_OK) {
        rec[size] = '\n';
        int failure = store_append(store, rec, size + 1);
        if (failure) {
            store_error(e, "appending the score record", failure);
            st = CR_E_STORE;
        }
    }
    free(rec);
    return st;
}

/* --model MODEL and --store DIR, the options of score and verify. */
static int model_store_options(int argc, char **argv, const char **model_path, const char **store_dir)
{
    static const char *const flags[] = {"--model", "--store", NULL};
    const char **const slots[] = {model_path, store_dir};
    return parse_flags(argc, argv, flags, slots);
}

/* Lines longer than this are refused whole (a request is a few hundred bytes). */
#define MAX_LINE (1 << 20)

/* Reads lines of any content from a file descriptor in large chunks, calling
   before_read (if set) whenever it is about to read(), which may block.
   A line longer than MAX_LINE is given (too_long) as soon as it passes the
   limit, so that its answer does not wait for a newline that may never come
   (a binary file, /dev/zero); the rest of it is skipped by the next call. */
typedef struct {
    int fd;
    void (*before_read)(void *ctx);
    void *ctx;
    char chunk[1 << 16];
    size_t pos, end;
    char *line;
    size_t len, cap;
    int too_long, skipping, ended_by_newline, eof, error;
} line_reader;

/* More input into the chunk; 0 at the end (or on an error: r->error). */
static int refill(line_reader *r)
{
    if (r->eof) return 0;
    if (r->before_read) r->before_read(r->ctx);
    ssize_t n;
    do n = read(r->fd, r->chunk, sizeof r->chunk);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        r->error = n < 0 ? errno : 0;
        r->eof = 1;
        return 0;
    }
    r->pos = 0;
    r->end = (size_t)n;
    return 1;
}

/* Next line into r->line (NUL-terminated, without "\n" or "\r\n"); 0 at end. */
static int next_line(line_reader *r)
{
    while (r->skipping && (r->pos < r->end || refill(r))) {
        const char *nl = memchr(r->chunk + r->pos, '\n', r->end - r->pos);
        r->pos = nl ? (size_t)(nl - r->chunk) + 1 : r->end;
        r->skipping = !nl;
    }
    r->len = 0;
    r->too_long = 0;
    r->ended_by_newline = 0;
    int have = 0;
    while (r->pos < r->end || refill(r)) {
        have = 1;
        char *nl = memchr(r->chunk + r->pos, '\n', r->end - r->pos);
        size_t n = (nl ? (size_t)(nl - r->chunk) : r->end) - r->pos;
        if (r->len + n + 1 > r->cap && r->len + n <= MAX_LINE) {
            size_t cap = r->cap ? r->cap : 4096;
            while (r->len + n + 1 > cap) cap *= 2;
            char *b = realloc(r->line, cap);
            if (b) {
                r->line = b;
                r->cap = cap;
            }
        }
        if (r->len + n > MAX_LINE || r->len + n + 1 > r->cap) {   /* too long, or nothing longer fits */
            r->too_long = 1;
            r->pos += n + (nl != NULL);
            r->skipping = !nl;
            r->ended_by_newline = nl != NULL;
            return 1;
        }
        memcpy(r->line + r->len, r->chunk + r->pos, n);
        r->len += n;
        r->pos += n;
        if (nl) {
            r->pos++;
            r->ended_by_newline = 1;
            break;
        }
    }
    if (!have) return 0;
    if (r->len && r->line[r->len - 1] == '\r') r->len--;
    r->line[r->len] = 0;
    return 1;
}

/* score: JSON lines in, JSON lines out. With --store an answer is printed
   only once its record is on disk: before every read() that may block (so an
   interactive producer gets its answers) and at the end, the store is
   fsync'ed once for the records written since (group commit), then their
   answers are printed. A failed sync cuts those records away again and
   prints a store error in place of each of their answers. */
typedef struct {
    record_store store;
    outbuf out;
    struct saved { size_t off; long line; } *saved;   /* answers waiting for the sync */
    size_t n_saved, cap_saved;
    long failed;
    int ok;
} score_session;

static void commit(void *ctx)
{
    score_session *ss = ctx;
    int failure = ss->store.fd >= 0 ? store_sync(&ss->store) : 0;
    if (failure) {
        fprintf(stderr, "callrisk: store '%s': fsync failed: %s\n", ss->store.path, strerror(failure));
        outbuf redo = {0};
        size_t from = 0;
        for (size_t i = 0; i < ss->n_saved; i++) {
            const struct saved *a = &ss->saved[i];
            out_put(&redo, ss->out.data + from, a->off - from);
            cr_error e;
            store_error(&e, "syncing the score record", failure);
            out_line_error(&redo, a->line, &e);
            from = (size_t)((const char *)memchr(ss->out.data + a->off, '\n', ss->out.len - a->off) - ss->out.data) + 1;
        }
        out_put(&redo, ss->out.data + from, ss->out.len - from);
        redo.failed |= ss->out.failed;
        ss->failed += (long)ss->n_saved;
        free(ss->out.data);
        ss->out = redo;
    }
    ss->n_saved = 0;
    if (ss->out.len && !out_flush(&ss->out, stdout)) ss->ok = 0;
}

static int cmd_score(int argc, char **argv)
{
    const char *model_path = NULL, *store_dir = NULL;
    if (!model_store_options(argc, argv, &model_path, &store_dir)) return 2;
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    score_session ss = {.store = {.fd = -1}, .ok = 1};
    if (store_dir && !store_open(&ss.store, store_dir)) {
        cr_model_free(m);
        return 1;
    }
    const cr_schema *s = cr_model_schema(m);
    double fields[CR_MAX_FIELDS];
    cr_reason reasons[CR_MAX_FEATURES];
    line_reader *in = calloc(1, sizeof *in);
    if (!in) {
        fprintf(stderr, "callrisk: out of memory\n");
        ss.ok = 0;
    } else {
        in->fd = 0;
        in->before_read = commit;
        in->ctx = &ss;
    }
    long line = 0;
    while (ss.ok && next_line(in)) {
        line++;
        cr_error e;
        cr_score_result r;
        cr_status st;
        if (in->too_long) {
            memset(&e, 0, sizeof e);
            e.status = st = CR_E_RANGE;
            snprintf(e.message, sizeof e.message, "request line longer than %d bytes", MAX_LINE);
        } else {
            size_t k = 0;
            while (k < in->len && (in->line[k] == ' ' || in->line[k] == '\t')) k++;
            if (k == in->len) continue;   /* blank lines carry no request */
            st = cr_request_parse(s, in->line, in->len, fields, &e);
            if (st == CR_OK) st = cr_score(m, fields, &r, reasons, CR_MAX_FEATURES, &e);
            if (st == CR_OK && ss.store.fd >= 0) st = save_record(&ss.store, m, fields, &r, reasons, &e);
        }
        if (st != CR_OK) {
            out_line_error(&ss.out, line, &e);
            ss.failed++;
            continue;
        }
        if (ss.store.fd >= 0) {
            if (ss.n_saved == ss.cap_saved) {
                size_t cap = ss.cap_saved ? 2 * ss.cap_saved : 256;
                struct saved *b = realloc(ss.saved, cap * sizeof *b);
                if (!b) {
                    fprintf(stderr, "callrisk: out of memory\n");
                    ss.ok = 0;
                    break;
                }
                ss.saved = b;
                ss.cap_saved = cap;
            }
            ss.saved[ss.n_saved++] = (struct saved){ss.out.len, line};
        }
        out_result(&ss.out, m, &r, reasons);
    }
    if (ss.ok) commit(&ss);
    if (in && in->error) {
        fprintf(stderr, "callrisk: cannot read the requests: %s\n", strerror(in->error));
        ss.ok = 0;
    }
    if (in) free(in->line);
    free(in);
    free(ss.out.data);
    free(ss.saved);
    cr_model_free(m);
    if (ss.store.fd >= 0 && close(ss.store.fd) != 0) ss.ok = 0;
    if (!ss.ok) return 1;
    if (ss.failed) fprintf(stderr, "callrisk: %ld of %ld lines failed\n", ss.failed, line);
    return ss.failed ? 1 : 0;
}

/* A line that is not a record may be a torn write followed by a whole
   record (a store written by callrisk before 0.2, which did not cut torn
   writes away): the record starts at a later '{' that parses. */
static size_t whole_record_after_torn(const char *line, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (line[i] == '{' && line[i + 1] == '"' && len - i > 2) {
            const char *p = line + i + 2;
            if (strncmp(p, "caller_number\"", 14) == 0 || strncmp(p, "at\"", 3) == 0 ||
                strncmp(p, "inputs\"", 7) == 0)
                return i;
        }
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    const char *model_path = NULL, *store_dir = NULL;
    if (!model_store_options(argc, argv, &model_path, &store_dir)) return 2;
    if (!store_dir) {
        fprintf(stderr, "callrisk: verify needs --store DIR\n%s", USAGE);
        return 2;
    }
    record_store store;
    if (!store_path(&store, store_dir)) return 1;
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    line_reader *in = calloc(1, sizeof *in);
    if (in) in->fd = open(store.path, O_RDONLY);
    if (!in || in->fd < 0) {
        fprintf(stderr, "callrisk: cannot open store '%s': %s\n", store.path, in ? strerror(errno) : "out of memory");
        free(in);
        cr_model_free(m);
        return 1;
    }
    outbuf out = {0};
    long line = 0, records = 0, bad = 0, torn = 0;
    while (next_line(in)) {
        line++;
        if (in->len == 0 && !in->too_long) continue;
        records++;
        cr_error e;
        memset(&e, 0, sizeof e);
        size_t skip = 0;
        if (in->too_long) {
            e.status = CR_E_RANGE;
            snprintf(e.message, sizeof e.message, "record: line longer than %d bytes", MAX_LINE);
        } else if (!in->ended_by_newline) {
            /* The last line has no newline: a write cut off by a crash. It was
               never acknowledged (records are synced before their answers). */
            e.status = CR_E_TRUNCATED;
            snprintf(e.message, sizeof e.message, "torn record: the last line (%zu bytes) has no newline; an "
                     "interrupted write, never acknowledged", in->len);
            torn++;
            records--;
            out_line_error(&out, line, &e);
            continue;
        } else if (cr_verify_record(m, in->line, in->len, &e) == CR_E_JSON &&
                   (skip = whole_record_after_torn(in->line, in->len)) > 0) {
            cr_error t;
            memset(&t, 0, sizeof t);
            t.status = CR_E_TRUNCATED;
            snprintf(t.message, sizeof t.message, "torn record: %zu bytes of an interrupted write before a "
                     "whole record; the record is checked", skip);
            out_line_error(&out, line, &t);
            torn++;
            memset(&e, 0, sizeof e);
            cr_verify_record(m, in->line + skip, in->len - skip, &e);
        }
        if (e.status != CR_OK) {
            out_line_error(&out, line, &e);
            bad++;
        }
    }
    int ok = !in->error;
    if (in->error) fprintf(stderr, "callrisk: cannot read store '%s': %s\n", store.path, strerror(in->error));
    close(in->fd);
    free(in->line);
    free(in);
    cr_model_free(m);
    if (!out_flush(&out, stdout)) ok = 0;
    free(out.data);
    fprintf(stderr, "callrisk: verified %ld records: %ld do not replay", records, bad);
    if (torn) fprintf(stderr, "; %ld torn", torn);
    fprintf(stderr, "\n");
    return ok && !bad && !torn ? 0 : 1;
}

/* eval --csv FILE [--model MODEL] [--label-column NAME] [--weight-column NAME]
   [--holdout F[,order|hash[,SEED]]]: the model's metrics on labelled rows, as
   JSON; with --holdout on the rows train holds out with it (cr_evaluate_with). */
static int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *csv = NULL;
    cr_train_options opt;
    cr_train_options_init(&opt);
    cr_model *m = NULL;
    const char *label = NULL, *weight = NULL, *holdout = NULL;
    static const char *const flags[] = {"--model", "--csv", "--label-column", "--weight-column", "--holdout", NULL};
    const char **const slots[] = {&model_path, &csv, &label, &weight, &holdout};
    if (!parse_flags(argc, argv, flags, slots)) return 2;
    if (!csv) {
        fprintf(stderr, "callrisk: eval needs --csv FILE\n%s", USAGE);
        return 2;
    }
    if (!load_model(model_path, &m)) return 1;
    const cr_schema *s = cr_model_schema(m);
    cr_error e;
    /* checked with the model's schema, now it is loaded */
    const char *const names[] = {"label_column", "weight_column", "holdout"}, *const values[] = {label, weight, holdout};
    for (int k = 0; k < 3; k++) {
        if (values[k] && cr_train_options_set_text(&opt, s, names[k], values[k], &e) != CR_OK) {
            print_option_error(&e, "");
            cr_model_free(m);
            return 2;
        }
    }
    cr_dataset *ds = NULL;
    cr_metrics mt;
    int ok = cr_dataset_create(s, &ds, &e) == CR_OK && read_csv(csv, ds, &opt);
    if (ok && cr_evaluate_with(m, ds, &opt, &mt, &e) != CR_OK) {
        print_error("eval", &e);
        ok = 0;
    }
    size_t size = 0;
    char *buf = NULL;
    if (ok) {
        cr_metrics_json(&mt, NULL, 0, &size, NULL);
        buf = malloc(size + 1);
        ok = buf && cr_metrics_json(&mt, buf, size + 1, &size, &e) == CR_OK;
        if (ok) printf("%s\n", buf);
    }
    free(buf);
    cr_dataset_free(ds);
    cr_model_free(m);
    return ok ? 0 : 1;
}

/* Prints a JSON document the core writes by the buffer contract. */
static int print_json(cr_status (*write)(const void *, char *, size_t, size_t *, cr_error *), const void *what)
{
    size_t size = 0;
    cr_error e;
    write(what, NULL, 0, &size, NULL);
    char *buf = malloc(size + 1);
    const int ok = buf && write(what, buf, size + 1, &size, &e) == CR_OK;
    if (ok) printf("%s\n", buf);
    else if (buf) print_error("drift", &e);
    free(buf);
    return ok;
}

static cr_status drift_json(const void *d, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_drift_json(d, dst, cap, size, err);
}

/* drift --model MODEL (--csv FILE | --store DIR): PSI per feature and for
   the score against the model's reference, as JSON. */
static int cmd_drift(int argc, char **argv)
{
    const char *model_path = NULL, *csv = NULL, *store_dir = NULL;
    static const char *const flags[] = {"--model", "--csv", "--store", NULL};
    const char **const slots[] = {&model_path, &csv, &store_dir};
    if (!parse_flags(argc, argv, flags, slots)) return 2;
    if (!model_path || !csv == !store_dir) {
        fprintf(stderr, "callrisk: drift needs --model MODEL and one of --csv FILE, --store DIR\n%s", USAGE);
        return 2;
    }
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    cr_error e;
    cr_drift *d = NULL;
    int ok = cr_drift_create(m, &d, &e) == CR_OK;
    if (!ok) print_error("drift", &e);
    if (ok && csv) {
        cr_dataset *ds = NULL;
        ok = cr_dataset_create(cr_model_schema(m), &ds, &e) == CR_OK && read_csv(csv, ds, NULL);
        if (ok && cr_drift_add_dataset(d, ds, &e) != CR_OK) {
            print_error("drift", &e);
            ok = 0;
        }
        cr_dataset_free(ds);
    } else if (ok) {
        record_store store;
        line_reader *in = NULL;
        ok = store_path(&store, store_dir) && (in = calloc(1, sizeof *in)) != NULL;
        if (ok && (in->fd = open(store.path, O_RDONLY)) < 0) {
            fprintf(stderr, "callrisk: cannot open store '%s': %s\n", store.path, strerror(errno));
            ok = 0;
        }
        long line = 0;
        while (ok && next_line(in)) {
            line++;
            if (in->len == 0 && !in->too_long) continue;
            if (in->too_long || !in->ended_by_newline) continue;   /* verify reports these */
            if (cr_drift_add_record(d, in->line, in->len, &e) != CR_OK) {
                char what[64];
                snprintf(what, sizeof what, "store line %ld", line);
                print_error(what, &e);
                ok = 0;
            }
        }
        if (ok && in->error) {
            fprintf(stderr, "callrisk: cannot read store '%s': %s\n", store.path, strerror(in->error));
            ok = 0;
        }
        if (in) {
            if (in->fd > 0) close(in->fd);
            free(in->line);
            free(in);
        }
    }
    if (ok) ok = print_json(drift_json, d);
    cr_drift_free(d);
    cr_model_free(m);
    return ok ? 0 : 1;
}

static int cmd_info(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "callrisk: info takes at most one MODEL\n%s", USAGE);
        return 2;
    }
    if (argc && strncmp(argv[0], "--", 2) == 0) return not_a_flag(argv[0], NULL, NULL), 2;
    cr_model *m = NULL;
    if (!load_model(argc ? argv[0] : NULL, &m)) return 1;
    print_card(m);
    cr_model_free(m);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    /* MODEL (first, not a flag), then --out FILE once. */
    const char *model_path = argc && strncmp(argv[0], "--", 2) != 0 ? argv[0] : NULL, *out = NULL;
    static const char *const flags[] = {"--out", NULL};
    const char **const slots[] = {&out};
    if (!parse_flags(argc - !!model_path, argv + !!model_path, flags, slots)) return 2;
    if (!model_path || !out) {
        fprintf(stderr, "callrisk: export needs MODEL --out FILE\n%s", USAGE);
        return 2;
    }
    cr_model *m = NULL;
    if (!load_model(model_path, &m)) return 1;
    int ok = write_model(m, out);
    cr_model_free(m);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
#ifdef __wasi__
    /* A host that preopens "/" (npx callrisk, tests/wasi/run.mjs) passes the
       directory relative paths start from; wasi-libc then resolves them
       through the preopen, as a native process would. */
    const char *cwd = getenv("CALLRISK_CWD");
    if (cwd && *cwd && chdir(cwd) != 0) {
        fprintf(stderr, "callrisk: cannot change to directory '%s': %s\n", cwd, strerror(errno));
        return 1;
    }
#endif
#if defined(SIGXFSZ) && !defined(__wasi__)
    /* A file-size limit reached by the store is a failed write (EFBIG) to
       report and cut back, as under WASI, not a reason to die. */
    signal(SIGXFSZ, SIG_IGN);
#endif
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
    if (strcmp(argv[1], "eval") == 0) return cmd_eval(argc - 2, argv + 2);
    if (strcmp(argv[1], "drift") == 0) return cmd_drift(argc - 2, argv + 2);
    if (strcmp(argv[1], "export") == 0) return cmd_export(argc - 2, argv + 2);
    if (strcmp(argv[1], "verify") == 0) return cmd_verify(argc - 2, argv + 2);
    fprintf(stderr, "callrisk: unknown command '%s'\n%s", argv[1], USAGE);
    return 2;
}
