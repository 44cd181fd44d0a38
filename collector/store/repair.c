/* repair.c - see repair.h. */
#include "repair.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "catalog_write.h"
#include "clock.h"
#include "crash.h"
#include "dbschema.h"
#include "fsutil.h"
#include "keeper_os.h"

/* What is at the catalog's path: a catalog (or nothing, or an empty file), a
 * single database to migrate, or something we must not touch. */
static int inspect(const char *path, enum cl_db_kind *kind, int *version, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    cl_file_id id;
    int rc = SQLITE_OK;

    *kind = CL_DBK_CATALOG;
    *version = 0;
    if (cl_file_id_path(path, &id) != 0 || id.size == 0)
        return 0; /* nothing yet: a new catalog */
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, 10000);
    *kind = cl_db_kind_of(h, version, &rc);
    if (*kind == CL_DBK_FOREIGN && *version > CL_DB_LAYOUT_VERSION &&
        sqlite3_prepare_v2(h, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == CL_DB_APPLICATION_ID) {
        snprintf(err, errlen,
                 "the database has schema version %d, newer than this collector's %d; use a "
                 "newer centrallogd or another --db",
                 *version, CL_DB_LAYOUT_VERSION);
        sqlite3_finalize(st);
        sqlite3_close(h);
        return -1;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (*kind == CL_DBK_FOREIGN && *version == 0)
        *kind = CL_DBK_CATALOG; /* an SQLite file with no tables: cl_catw_open decides */
    return 0;
}

/* How long M2 waits for a reader to let go of the old database (Windows),
 * and how often it tries again meanwhile. */
#define MOVE_WAIT_US (60 * 1000000LL)
#define MOVE_RETRY_NS (200 * 1000000L)

/* M2's move. On Windows a reader of the old database (SQLite opens files
 * without FILE_SHARE_DELETE) refuses it. The catalog takes the old file's
 * path, so nothing can be stored before the move: the start waits for the
 * reader to let go, trying again every 200 ms for up to a minute. Safe to
 * repeat: a refused move changes nothing, and a crash while waiting leaves
 * M1's state, which the next start takes up again. */
static int move_old(const char *from, const char *to, char *err, size_t errlen)
{
    int64_t until = cl_now_us() + MOVE_WAIT_US;

    for (;;) {
        int refused = cl_refuse_point("M2"), e, held;
        struct timespec ts = { 0, MOVE_RETRY_NS };

        if (!refused && cl_rename_noreplace(from, to) == 0)
            break;
        e = errno;
        held = refused || cl_keeper_rename_refused(e);

        if (!held || cl_now_us() >= until) {
            snprintf(err, errlen, "cannot move %s to %s: %s%s", from, to, strerror(e),
                     held ? " (another program holds it open, e.g. a reader of the old "
                            "database: close it and start again)"
                          : "");
            return -1;
        }
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    return 0;
}

/* M1-M3: a version 1/2 single database at the catalog's path becomes the
 * first partition. M1 folds its WAL in and leaves rollback-journal mode, so
 * that it is one self-contained file; M2 moves it into the partitions
 * folder under a name that carries its first id; M3 is the new catalog,
 * created by the caller, which adopts the moved file as 'sealing' (the
 * keeper indexes it in the background). A crash after M2 leaves no catalog
 * and the file in the folder: the next start adopts it just the same. */
static int migrate(const char *catalog_path, const char *dir, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    char name[CL_PART_NAME_MAX], to[4200];
    int64_t first = 1;

    cl_crash_point("M1");
    if (sqlite3_open_v2(catalog_path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(h, 10000);
    if (sqlite3_prepare_v2(h, "SELECT coalesce(min(id), 1) FROM entries", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        goto fail;
    first = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", NULL, NULL,
                     NULL) != SQLITE_OK)
        goto fail;
    sqlite3_close(h);
    h = NULL;
    cl_part_migrated_name(first, name);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    cl_crash_point("M2");
    if (move_old(catalog_path, to, err, errlen) != 0)
        return -1;
    cl_crash_point("M3");
    return 0;
fail:
    snprintf(err, errlen, "cannot migrate %s: %s", catalog_path,
             h ? sqlite3_errmsg(h) : "out of memory");
    sqlite3_finalize(st);
    sqlite3_close(h);
    return -1;
}

/* The live row, or a new one (and its file name) after every listed id. */
static int find_live(sqlite3 *cat, const char *catalog_path, cl_store_live *live, char *err,
                     size_t errlen)
{
    cl_part_list l = { NULL, 0 };
    int64_t next_id = 1, next_reject = 1;
    char name[CL_PART_NAME_MAX];
    int rc = -1;

    if (cl_catw_list_all(cat, catalog_path, &l, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < l.n; i++) {
        const cl_part *p = &l.v[i];

        if (p->state == CL_PART_LIVE) {
            live->seq = p->seq;
            live->first_id = p->first_id;
            live->first_reject = p->first_reject;
            live->created = p->created;
            snprintf(live->path, sizeof live->path, "%s", p->path);
            snprintf(live->rel, sizeof live->rel, "%s", p->rel);
            rc = 0;
            goto done;
        }
        if (p->last_id + 1 > next_id)
            next_id = p->last_id + 1;
        if (p->first_id > next_id)
            next_id = p->first_id;
        if (p->last_reject + 1 > next_reject)
            next_reject = p->last_reject + 1;
        if (p->first_reject > next_reject)
            next_reject = p->first_reject;
    }
    cl_part_live_name(next_id, name);
    if (cl_part_rel_path(catalog_path, name, live->rel, sizeof live->rel) != 0 ||
        cl_catw_add(cat, live->rel, CL_PART_LIVE, next_id, -1, next_reject, -1, cl_now_us(),
                    &live->seq, err, errlen) != 0)
        goto done;
    live->first_id = next_id;
    live->first_reject = next_reject;
    live->created = cl_now_us();
    cl_catalog_parts_dir(catalog_path, live->path, sizeof live->path);
    snprintf(live->path + strlen(live->path), sizeof live->path - strlen(live->path), "/%s", name);
    rc = 0;
done:
    cl_part_list_free(&l);
    return rc;
}

int cl_store_prepare(const char *catalog_path, sqlite3 **cat, cl_store_live *live,
                     cl_keeper_stats *st, char *err, size_t errlen)
{
    char dir[4096], probe[4200];
    enum cl_db_kind kind;
    int version, created;

    *cat = NULL;
    memset(live, 0, sizeof *live);
    if (cl_catalog_parts_dir(catalog_path, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "the path %s is too long", catalog_path);
        return -1;
    }
    if (cl_mkdir_parents(catalog_path, 0750) != 0) {
        snprintf(err, errlen, "cannot create the folder of %s: %s", catalog_path, strerror(errno));
        return -1;
    }
    if (cl_db_path_check(catalog_path, err, errlen) != 0 ||
        inspect(catalog_path, &kind, &version, err, errlen) != 0)
        return -1;
    if (kind == CL_DBK_NOT_SQLITE) {
        snprintf(err, errlen,
                 "%s: file is not a database (not SQLite): not recognisably a CentralLog "
                 "database or catalog, so it is left untouched; move it away or point --db "
                 "elsewhere",
                 catalog_path);
        return -1;
    }
    if (kind != CL_DBK_SINGLE && kind != CL_DBK_CATALOG) {
        snprintf(err, errlen,
                 "%s is %s: not recognisably a CentralLog database or catalog, so it is left "
                 "untouched; move it away or point --db elsewhere",
                 catalog_path, kind == CL_DBK_PARTITION ? "a partition" : cl_db_kind_name(kind));
        return -1;
    }
    /* The folder itself: cl_mkdir_parents makes the one holding a path. */
    snprintf(probe, sizeof probe, "%s/x", dir);
    if (cl_mkdir_parents(probe, 0750) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (kind == CL_DBK_SINGLE) {
        if (migrate(catalog_path, dir, err, errlen) != 0)
            return -1;
        live->migrated_from = version;
    }
    if (cl_catw_open(catalog_path, cat, &created, err, errlen) != 0)
        return -1;
    if (cl_keeper_sweep(*cat, catalog_path, 1, st, err, errlen) != 0 ||
        find_live(*cat, catalog_path, live, err, errlen) != 0) {
        sqlite3_close(*cat);
        *cat = NULL;
        return -1;
    }
    return 0;
}
