/* shard.h - a shard's answer to one pass, shared by the solver's passes
 * (train.c) and the evidence's (shard_evidence.c). */
#ifndef CR_SHARD_H
#define CR_SHARD_H

#include "internal.h"
#include "crc32.h"

#include <string.h>

/* The passes, in the order a fit asks them: the census, the summary, the
   solver's points, then the evidence: the metrics' groups, the drift
   reference's cuts (as many passes as it takes), its shares. */
enum { PASS_CENSUS = 1, PASS_SUMMARY, PASS_EVAL, PASS_GROUPS, PASS_CUTS, PASS_SHARES };
enum { CENSUS_FIT0, CENSUS_FIT1, CENSUS_HELD, CENSUS_HELD_WEIGHED, CENSUS_COUNTS };

/* Rows grouped by a key (ascending, distinct), each group's weight as an
   exact sum in compact form (cr_exact_save_compact): group k's bytes are
   blob[end[k - 1], end[k]). */
typedef struct {
    size_t n;
    uint64_t *key;
    size_t *end;
    uint8_t *blob;
} cr_groups;

/* What a shard belongs to (train.c): a census, the fingerprint of the
   schema and options it was taken under; an answer, the identity of the
   question it answers (the fit's fingerprint, its census's rows, the
   question's number and pass). Protocol only: no model holds it. */
#define CR_IDENT_SIZE 32

struct cr_shard_s {
    uint8_t kind;                      /* PASS_* */
    uint8_t ident[CR_IDENT_SIZE];      /* the census's fingerprint or the question's identity */
    uint64_t count[CENSUS_COUNTS];     /* census */
    cr_rows_digest digest;             /* the rows that gave it, held out or not */
    uint32_t k;                        /* exact sums */
    cr_exact *acc;
    uint32_t nk;                       /* key pairs (least, greatest): merged by min and max */
    uint64_t *keys;
    cr_groups groups[2];               /* PASS_GROUPS: the fitted rows', the held-out rows' */
};

/* The saved forms (train.c), each sealed by the CRC-32 (LE32) of the bytes
   before it. A shard's statistics: CR_SHARD_MAGIC, kind, k and nk (LE32),
   the counts and the rows' digest (LE64), its ident, k compact exact sums,
   nk keys (LE64); the groups pass: both lists of groups. A fit's question:
   CR_QUESTION_MAGIC, pass, holdout method, d, np (bytes), fraction, seed
   (LE64), class weights, its identity and the schema's digest, then the
   solver's point (np doubles) or the evidence's model and lists
   (shard_evidence.c): what a shard needs. A new
   layout takes the next magic: older bytes are then refused as such. */
#define CR_SHARD_MAGIC "CRS3"
#define CR_SHARD_HEAD (4 + 1 + 4 + 4 + 8 * CENSUS_COUNTS + 8 * 5 + CR_IDENT_SIZE)
#define CR_QUESTION_MAGIC "CRQ2"
#define CR_QUESTION_HEAD (4 + 4 + 8 * 4 + 2 * CR_IDENT_SIZE)
#define CR_SEAL 4

/* A shard of `kind` with k zeroed sums and nk / 2 empty key pairs. */
CR_HIDDEN cr_status cr_shard_new(uint8_t kind, uint32_t k, uint32_t nk, cr_shard **out, cr_error *err);
CR_HIDDEN void cr_groups_free(cr_groups *g);
/* into = a and b merged (equal keys: their sums added), a new list. */
CR_HIDDEN cr_status cr_groups_merge(const cr_groups *a, const cr_groups *b, cr_groups *into, cr_error *err);
/* Saved: n (LE64), then per group its key (LE64) and compact sum. */
CR_HIDDEN size_t cr_groups_size(const cr_groups *g);
CR_HIDDEN uint8_t *cr_groups_save(const cr_groups *g, uint8_t *p);
/* Reads one saved list from p[0..avail), checked (ascending keys, canonical
   sums); NULL when the bytes are not one; else past it. */
CR_HIDDEN const uint8_t *cr_groups_load(cr_groups *g, const uint8_t *p, size_t avail);

/* ---- the evidence's passes (shard_evidence.c) ---- */
typedef struct cr_evidence_fit_s cr_evidence_fit;
/* From the solved model m (taken: freed with the fit), the counts of
   fitted and held-out rows and the options. */
CR_HIDDEN cr_status cr_evidence_fit_create(cr_model *m, uint64_t fitted, uint64_t held, const cr_train_options *o,
                                           cr_evidence_fit **out, cr_error *err);
CR_HIDDEN void cr_evidence_fit_free(cr_evidence_fit *e);
/* A copy of e, its own model and pivots (a pass is fed to a copy: all or nothing). */
CR_HIDDEN cr_status cr_evidence_fit_clone(const cr_evidence_fit *e, cr_evidence_fit **out, cr_error *err);
/* The pass asked next (PASS_GROUPS, PASS_CUTS, PASS_SHARES), 0 when done. */
CR_HIDDEN int cr_evidence_fit_pass(const cr_evidence_fit *e);
/* The question's payload after the common head: the model and what the pass needs. */
CR_HIDDEN size_t cr_evidence_question_size(const cr_evidence_fit *e);
CR_HIDDEN void cr_evidence_question(const cr_evidence_fit *e, uint8_t *p);
CR_HIDDEN cr_status cr_evidence_fit_feed(cr_evidence_fit *e, const cr_shard *merged, cr_error *err);
/* The model with its evidence, checked, its id set. */
CR_HIDDEN cr_status cr_evidence_fit_model(const cr_evidence_fit *e, cr_model **out, cr_error *err);
/* A shard's answer to an evidence pass: `pick` marks its held-out rows
   (NULL: none), p[0..n) is the question's payload. */
CR_HIDDEN cr_status cr_evidence_answer(const cr_dataset *ds, const uint8_t *pick, int pass, const uint8_t *p, size_t n,
                                       cr_shard **out, cr_error *err);

/* Little-endian fields of the saved forms. */
static inline void cr_put64(uint8_t *p, uint64_t v)
{
    for (int b = 0; b < 8; b++) p[b] = (uint8_t)(v >> (8 * b));
}

static inline uint64_t cr_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--) v = v << 8 | p[b];
    return v;
}

static inline void cr_put32(uint8_t *p, uint32_t v)
{
    for (int b = 0; b < 4; b++) p[b] = (uint8_t)(v >> (8 * b));
}

static inline uint32_t cr_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void cr_put_f64(uint8_t *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    cr_put64(p, u);
}

static inline double cr_get_f64(const uint8_t *p)
{
    const uint64_t u = cr_get64(p);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

#endif
