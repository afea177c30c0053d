// See include/CBuildStamp.h.
#include "CBuildStamp.h"
#ifndef CROSSGO_REVISION
#define CROSSGO_REVISION ""
#endif
const char *crossgo_build_revision(void) { return CROSSGO_REVISION; }
