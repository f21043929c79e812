/* quickstart.c - the README's C example: score one caller with the default model. */
#include <stdio.h>

#include "callrisk.h"

int main(void)
{
    cr_error err;
    cr_model *model = NULL;
    if (cr_model_create_default(&model, &err) != CR_OK) {   /* the seed's model */
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double fields[3] = {5, 0, 10};   /* spam_reports, has_consent, call_attempts_24h */
    cr_score_result r;
    cr_reason reasons[3];
    if (cr_score(model, fields, &r, reasons, 3, &err) != CR_OK) {
        fprintf(stderr, "%s\n", err.message);
        cr_model_free(model);
        return 1;
    }
    printf("%d %s %s\n", r.score, cr_risk_level_str(r.risk_level), cr_model_id(model));
    for (int k = 0; k < 3; k++)
        printf("  %s %+.3f\n", cr_schema_feature_name(cr_model_schema(model), reasons[k].feature),
               reasons[k].contribution);
    cr_model_free(model);
    return 0;
}
