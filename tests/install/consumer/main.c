/* A program of a callrisk user, built against the installed package only. */
#include <stdio.h>
#include <string.h>

#include <callrisk.h>

int main(void)
{
    if (cr_version_number() != CR_VERSION_NUMBER || cr_model_format_version() != CR_MODEL_FORMAT_VERSION) {
        fprintf(stderr, "built against %d, loaded %s\n", CR_VERSION_NUMBER, cr_version_string());
        return 1;
    }
    cr_error err;
    cr_model *model = NULL;
    if (cr_model_create_default(&model, &err) != CR_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const double fields[3] = {5, 0, 10};
    cr_score_result r;
    if (cr_score(model, fields, &r, NULL, 0, &err) != CR_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("%d %s %s %s\n", r.score, cr_risk_level_str(r.risk_level), cr_model_id(model), cr_version_string());
    cr_model_free(model);
    return 0;
}
