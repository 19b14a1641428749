#ifndef VIGIL_CZLIB_SHIM_H
#define VIGIL_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro; Swift cannot import it. windowBits 15 + 32 reads gzip and zlib streams.
static inline int vigil_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
