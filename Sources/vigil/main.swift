import CAllocator
import VigilCLI

// jemalloc is the process's malloc (Sources/CAllocator/allocator.c); asking it for its settings here
// also keeps the linker from dropping the library as unused.
_ = vigil_allocator_dirty_decay_ms()
await VigilCommand.runMain()
