#ifndef VIGIL_CDEFLATE_SHIM_H
#define VIGIL_CDEFLATE_SHIM_H
// libdeflate: whole-buffer DEFLATE, ~1.6× zlib's speed at level 6 on audit lines. Archive segments
// are written as a series of gzip members of bounded size, which it compresses and reads one at a
// time; zlib stays for streams it cannot take whole (older single-member segments, damaged files).
#include <libdeflate.h>
#endif
