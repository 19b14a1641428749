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
#endif
