/* version.c - which library is loaded: hosts that load a .so or a .wasm
 * check it against what they were built for. */
#include "callrisk.h"

#define CR_STR_(x) #x
#define CR_STR(x) CR_STR_(x)

unsigned cr_version_number(void) { return CR_VERSION_NUMBER; }

const char *cr_version_string(void)
{
    return CR_STR(CR_VERSION_MAJOR) "." CR_STR(CR_VERSION_MINOR) "." CR_STR(CR_VERSION_PATCH);
}

unsigned cr_model_format_version(void) { return CR_MODEL_FORMAT_VERSION; }
