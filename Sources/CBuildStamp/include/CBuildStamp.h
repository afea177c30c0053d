// The git revision crossgo was built from: scripts/build-release stamps it (see stamp.c); empty in plain
// `swift build` builds.
#ifndef CROSSGO_BUILD_STAMP_H
#define CROSSGO_BUILD_STAMP_H
const char *crossgo_build_revision(void);
#endif
