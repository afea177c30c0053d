// The git revision crossgo was built from, set by `make install` / scripts/build-release with
// -Xcc -DCROSSGO_REVISION=\"<rev>\"; empty in plain `swift build` builds.
#ifndef CROSSGO_BUILD_STAMP_H
#define CROSSGO_BUILD_STAMP_H
const char *crossgo_build_revision(void);
#endif
