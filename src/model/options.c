/* options.c - training options: their defaults, their names, and the one
 * check every host's options go through (liblinear's check_parameter()). */
#include "internal.h"

#include <string.h>

void cr_train_options_init(cr_train_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->C = 1.0;
    o->fit_intercept = 1;
    o->class_weight_mode = CR_CLASS_WEIGHT_NONE;
    o->class_weight[0] = o->class_weight[1] = 1.0;
    o->max_iter = 100;
    o->tol = 1e-10;
    o->band_high = 70;
    o->band_medium = 40;
}

cr_status cr_train_options_check(const cr_train_options *o, const cr_schema *s, cr_error *err)
{
    if (!o || !s) return cr_fail(err, CR_E_ARG, NULL, "options or schema is NULL");
    /* 1/C is the penalty: it must be finite too (C >= 5.6e-309). */
    if (!(o->C > 0) || o->C - o->C != 0 || !(1.0 / o->C < 1.0 / 0.0))
        return cr_fail(err, CR_E_RANGE, "C", "option 'C': must be a finite number > 0 with a finite inverse, "
                       "got %.17g", o->C);
    if (o->fit_intercept != 0 && o->fit_intercept != 1)
        return cr_fail(err, CR_E_RANGE, "fit_intercept", "option 'fit_intercept': must be 0 or 1, got %d",
                       o->fit_intercept);
    if (o->max_iter < 1 || o->max_iter > 1000000)
        return cr_fail(err, CR_E_RANGE, "max_iter", "option 'max_iter': must be 1 to 1000000, got %d",
                       o->max_iter);
    if (!(o->tol >= 0) || o->tol - o->tol != 0)
        return cr_fail(err, CR_E_RANGE, "tol", "option 'tol': must be a finite number >= 0, got %.17g", o->tol);
    if ((unsigned)o->class_weight_mode > CR_CLASS_WEIGHT_EXPLICIT)
        return cr_fail(err, CR_E_RANGE, "class_weight", "option 'class_weight': unknown mode %d",
                       (int)o->class_weight_mode);
    if (o->class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT)
        for (int c = 0; c < 2; c++)
            if (!(o->class_weight[c] >= 0) || o->class_weight[c] - o->class_weight[c] != 0)
                return cr_fail(err, CR_E_RANGE, "class_weight",
                               "option 'class_weight': weight of class %d must be a finite number >= 0, "
                               "got %.17g", c, o->class_weight[c]);
    if (o->signs)
        for (size_t j = 0; j < s->n_features; j++)
            if ((unsigned)o->signs[j] > CR_SIGN_NONPOS)
                return cr_fail(err, CR_E_RANGE, s->feature_name[j],
                               "option 'signs': feature '%s' has unknown sign %d",
                               s->feature_name[j], (int)o->signs[j]);
    return cr_bands_check(o->band_high, o->band_medium, "option", err);
}

const char *cr_sign_name(cr_sign s)
{
    switch (s) {
    case CR_SIGN_FREE: return "free";
    case CR_SIGN_NONNEG: return "nonneg";
    case CR_SIGN_NONPOS: return "nonpos";
    }
    return "?";
}

const char *cr_class_weight_name(cr_class_weight_mode m)
{
    switch (m) {
    case CR_CLASS_WEIGHT_NONE: return "none";
    case CR_CLASS_WEIGHT_BALANCED: return "balanced";
    case CR_CLASS_WEIGHT_EXPLICIT: return "explicit";
    }
    return "?";
}
