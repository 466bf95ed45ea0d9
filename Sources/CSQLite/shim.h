#ifndef ACTIVITY_CSQLITE_SHIM_H
#define ACTIVITY_CSQLITE_SHIM_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import.
static inline sqlite3_destructor_type activity_sqlite_transient(void) { return SQLITE_TRANSIENT; }
// sqlite3_config is variadic, which Swift cannot call. Without memory statistics SQLite takes no
// global mutex around each allocation (every connection of ours stays on one thread).
static inline int activity_sqlite_configure(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
