#ifndef VIGIL_CALLOCATOR_H
#define VIGIL_CALLOCATOR_H
#include <stddef.h>

/// The daemon's `malloc` is jemalloc (linked by this target). Returns how long, in ms, jemalloc keeps
/// freed dirty pages before returning them to the system, or -1 if jemalloc is not the allocator.
long vigil_allocator_dirty_decay_ms(void);
#endif
