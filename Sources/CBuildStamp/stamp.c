// See include/CBuildStamp.h. scripts/build-release writes crossgo_revision.h (defining CROSSGO_REVISION) into a
// folder it adds with -Xcc -I: the flag stays the same from one revision to the next, so only this file is rebuilt.
#include "CBuildStamp.h"
#if __has_include("crossgo_revision.h")
#include "crossgo_revision.h"
#endif
#ifndef CROSSGO_REVISION
#define CROSSGO_REVISION ""
#endif
const char *crossgo_build_revision(void) { return CROSSGO_REVISION; }
