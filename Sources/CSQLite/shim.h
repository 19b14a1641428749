#ifndef VIGIL_CSQLITE_SHIM_H
#define VIGIL_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type vigil_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_bind_text with SQLITE_TRANSIENT, so Swift strings need not outlive the call.
static inline int vigil_bind_text(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}

static inline int vigil_bind_blob(sqlite3_stmt *stmt, int index, const void *data, int length) {
    return sqlite3_bind_blob(stmt, index, data, length, SQLITE_TRANSIENT);
}
/// Turns off SQLite's memory statistics, which nothing here reads: with them on, every allocation in
/// every connection takes one process-wide mutex, so the writer and the background sealer contend
/// for it. sqlite3_config is variadic, so Swift cannot call it. Must run before the first open.
static inline int vigil_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
