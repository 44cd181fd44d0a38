/* TEMPORARY shim of common/db/dbschema.h (STORAGE.md API) until main has it. */
#ifndef CL_DBSCHEMA_H
#define CL_DBSCHEMA_H
#include <sqlite3.h>
enum cl_db_kind { CL_DBK_NOT_SQLITE = -2, CL_DBK_FOREIGN = -1, CL_DBK_SINGLE = 0,
                  CL_DBK_CATALOG = 1, CL_DBK_PARTITION = 2 };
int cl_db_kind_of(sqlite3 *h, int *version);
#endif
