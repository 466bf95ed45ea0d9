#ifndef ACTIVITY_CSQLITE_SHIM_H
#define ACTIVITY_CSQLITE_SHIM_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import.
static inline sqlite3_destructor_type activity_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
