#ifndef ACTIVITY_CPOSTGRES_SHIM_H
#define ACTIVITY_CPOSTGRES_SHIM_H
// libpq from Debian's libpq-dev: the PostgreSQL store. Its API has no variadic calls, so the
// shim only includes the header (which lives under /usr/include/postgresql).
#include <libpq-fe.h>
#endif
