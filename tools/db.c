/* db.c - see db.h. */
#include "attr.h"
#include "db.h"
#include "dbschema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "cmdline.h"
#include "fsutil.h"
#include "platform.h"

static char default_path[4096];

const char *cli_db_path(const cli_global *g, const char **origin)
{
    const char *dd;

    if (g->db != NULL && g->db[0] != '\0') {
        *origin = g->db_origin ? g->db_origin : "--db";
        return g->db;
    }
    dd = cl_getenv("CENTRALLOG_DATA_DIR");
    if (dd != NULL && dd[0] != '\0') {
        snprintf(default_path, sizeof default_path, "%s/" CL_DB_FILE, dd);
        *origin = "$CENTRALLOG_DATA_DIR";
        return default_path;
    }
    *origin = "default";
#ifndef _WIN32
    {
        cl_file_id id;

        /* No collector data here, but the system collector's (the systemd
         * unit's): read that, as producers without a collector of their own
         * log to it (address.h). */
        if (cl_file_id_path(CL_DEFAULT_DATA_DIR "/" CL_DB_FILE, &id) != 0 &&
            (cl_file_id_path(CL_SYSTEM_DB, &id) == 0 || errno == EACCES)) {
            *origin = CLI_SYSTEM_ORIGIN;
            return CL_SYSTEM_DB;
        }
    }
#endif
    return CL_DEFAULT_DATA_DIR "/" CL_DB_FILE;
}

/* "file:" URI for path: every byte outside the unreserved set and '/' is
 * percent-encoded, so '?', '#' and '%' in a file name stay part of it. */
static void file_uri(cl_strbuf *b, const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";

    cl_strbuf_puts(b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p) != NULL) {
            cl_strbuf_putc(b, (char)*p);
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

            cl_strbuf_put(b, e, 3);
        }
    }
    cl_strbuf_puts(b, query);
}

/* Formats the reason into err; returns CLI_FAILED. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    CL_PRINTF_LIKE(3, 4)
#endif
        ;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return CLI_FAILED;
}

/* Opens path with the given URI query; reads the header. Returns an SQLite
 * result code; *appid and *version on success. */
static int try_open(cli_db *db, const char *query, long long *appid, long long *version)
{
    cl_strbuf uri = CL_STRBUF_INIT;
    int rc;

    db->h = NULL;
    file_uri(&uri, db->path, query);
    if (uri.oom) {
        cl_strbuf_free(&uri);
        return SQLITE_NOMEM;
    }
    /* One thread uses the connection: no per-call mutex (they cost a tenth
     * of a large scan), and no allocation statistics (a global mutex on
     * every malloc; harmless no-op once SQLite is initialised). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    rc = sqlite3_open_v2(uri.p, &db->h,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    cl_strbuf_free(&uri);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db->h, 1);
        /* The collector commits small transactions; a reader waits briefly
         * rather than failing while WAL recovery or a checkpoint runs. */
        sqlite3_busy_timeout(db->h, 2000);
        rc = cl_db_query_int(db->h, "PRAGMA application_id", appid);
    }
    if (rc == SQLITE_OK)
        rc = cl_db_query_int(db->h, "PRAGMA user_version", version);
    if (rc != SQLITE_OK) {
        sqlite3_close(db->h);
        db->h = NULL;
    }
    return rc;
}

/* Errors that mean "cannot set up shared reading here", not "bad file". */
static int needs_immutable(int rc)
{
    return (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY ||
           (rc & 0xff) == SQLITE_PERM || (rc & 0xff) == SQLITE_IOERR;
}

int cli_db_misses_wal(const cli_db *db, char *wal, size_t len)
{
    cl_file_id sb;

    snprintf(wal, len, "%s-wal", db->path);
    return db->immutable && cl_file_id_path(wal, &sb) == 0 && sb.size > 0;
}

static int check_header(const cli_db *db, char *err, size_t errlen, long long appid,
                        long long version)
{
    if (appid != CL_DB_APPLICATION_ID)
        return fail(err, errlen,
                    "%s is an SQLite database but not a CentralLog one (application_id %lld); "
                    "point --db at the collector's centrallog.db",
                    db->path, appid);
    if (version > CLI_DB_MAX_VERSION)
        return fail(err, errlen,
                    "%s has schema version %lld, newer than this centrallog reads (%d); "
                    "use a newer centrallog",
                    db->path, version, CLI_DB_MAX_VERSION);
    if (version < 1)
        return fail(err, errlen,
                    "%s is a CentralLog database whose schema was never completed "
                    "(user_version %lld)",
                    db->path, version);
    return CLI_OK;
}

static int missing(const cli_db *db, char *err, size_t errlen, int e)
{
    if (e == EACCES && strcmp(db->origin, CLI_SYSTEM_ORIGIN) == 0)
        return fail(err, errlen,
                    "cannot read %s (%s): %s; its readers are the group centrallog "
                    "(sudo usermod -aG centrallog $USER, then log in again)",
                    db->path, db->origin, strerror(e));
    if (e != ENOENT)
        return fail(err, errlen, "cannot read %s (from %s): %s", db->path, db->origin, strerror(e));
    if (strcmp(db->origin, "default") == 0)
        return fail(err, errlen,
                    "no database at %s (the collector's default); point at one with "
                    "--db PATH or CENTRALLOG_DB=PATH",
                    db->path);
    return fail(err, errlen,
                "no database at %s (from %s); point at one with --db PATH or "
                "CENTRALLOG_DB=PATH",
                db->path, db->origin);
}

/* The reader's settings: query_only makes any write an error, whatever a
 * bug might try. A larger cache and memory-mapped reads make big scans
 * (stats) cheaper. */
static void read_pragmas(cli_db *db)
{
    sqlite3_exec(db->h,
                 "PRAGMA query_only = 1; PRAGMA cache_size = -65536; "
                 "PRAGMA mmap_size = 2147418112; PRAGMA temp_store = MEMORY;",
                 NULL, NULL, NULL);
}

/* The default is relative to the current directory, which may be one that
 * anybody writes (/tmp): a database found there is read only when nobody
 * but this user or root could have put it there (platform.h), so that
 * another local user cannot pass forged entries, or a crafted file, off
 * as the collector's. Named with --db, it is read as any other. */
static int untrusted_default(const cli_db *db, char *err, size_t errlen)
{
    char why[1024];
    char *abs;
    int rc;

    if (strcmp(db->origin, "default") != 0 ||
        cli_db_default_trusted(db->path, why, sizeof why) == 0)
        return CLI_OK;
    abs = cl_path_absolute(db->path);
    rc = fail(err, errlen,
              "refusing to read %s (the default, %s, under the current directory): %s; to read "
              "it all the same, name it: --db %s",
              abs ? abs : db->path, db->path, why, abs ? abs : db->path);
    free(abs);
    return rc;
}

int cli_db_open(const cli_global *g, cli_db *db, char *err, size_t errlen)
{
    long long appid = 0, version = 0;
    cl_file_id sb;
    int rc;

    memset(db, 0, sizeof *db);
    db->path = cli_db_path(g, &db->origin);
    if ((rc = untrusted_default(db, err, errlen)) != CLI_OK)
        return rc;
    if (cl_file_id_path(db->path, &sb) != 0) {
        rc = missing(db, err, errlen, errno);
        /* Not the database the user meant, most likely: say why. */
        if (g->collector_note != NULL && (g->db == NULL || g->db[0] == '\0'))
            snprintf(err + strlen(err), errlen - strlen(err), " (%s)", g->collector_note);
        return rc;
    }
    if (sb.is_dir)
        return fail(err, errlen,
                    "%s (from %s) is a directory; --db takes the database file, e.g. "
                    "%s/centrallog.db",
                    db->path, db->origin, db->path);
    if (sb.size == 0)
        return fail(err, errlen, "%s is an empty file, not a CentralLog database", db->path);
    rc = try_open(db, "?mode=ro", &appid, &version);
    if (rc != SQLITE_OK && needs_immutable(rc)) {
        rc = try_open(db, "?mode=ro&immutable=1", &appid, &version);
        db->immutable = rc == SQLITE_OK;
    }
    if ((rc & 0xff) == SQLITE_NOTADB)
        return fail(err, errlen,
                    "%s is not an SQLite database, so not a CentralLog one; point --db at "
                    "the collector's centrallog.db",
                    db->path);
    if (rc != SQLITE_OK)
        return fail(err, errlen, "cannot read %s: %s", db->path, sqlite3_errstr(rc));
    db->version = (int)version;
    if ((rc = check_header(db, err, errlen, appid, version)) != CLI_OK) {
        cli_db_close(db);
        return rc;
    }
    {
        int v, krc;

        db->kind = cl_db_kind_of(db->h, &v, &krc);
    }
    if (db->kind == CL_DBK_FOREIGN) {
        cli_db_close(db);
        return fail(err, errlen,
                    "%s has schema version %lld but is neither a CentralLog catalog nor a "
                    "partition (no meta kind); point --db at the collector's centrallog.db",
                    db->path, version);
    }
    read_pragmas(db);
    return CLI_OK;
}

int cli_db_open_part(cli_db *db, const cl_part *p, char *err, size_t errlen)
{
    long long appid = 0, version = 0;
    cl_file_id sb;
    int rc, closed = p->state == CL_PART_CLOSED;

    memset(db, 0, sizeof *db);
    db->path = p->path;
    db->origin = "the catalog";
    if (cl_file_id_path(p->path, &sb) != 0)
        return fail(err, errlen, "%s", errno == ENOENT ? "is missing" : strerror(errno));
    /* A closed partition never changes: smaller than the catalog says is
     * damage (a truncated copy), found before a read goes wrong. (Larger is
     * left to SQLite: bytes may have been taken before a last header write.) */
    if (closed && p->bytes > 0 && (long long)sb.size < (long long)p->bytes)
        return fail(err, errlen, "is truncated (%lld bytes, the catalog says %lld)",
                    (long long)sb.size, (long long)p->bytes);
    if (sb.size == 0)
        return fail(err, errlen, "is an empty file");
    /* Closed: immutable, so no locks and no -shm. Live and sealing: a WAL
     * reader, as over a single database. */
    rc = try_open(db, closed ? "?mode=ro&immutable=1" : "?mode=ro", &appid, &version);
    if (!closed && rc != SQLITE_OK && needs_immutable(rc)) {
        rc = try_open(db, "?mode=ro&immutable=1", &appid, &version);
        db->immutable = rc == SQLITE_OK;
    }
    db->immutable |= closed;
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return fail(err, errlen, "is corrupt (%s)", sqlite3_errstr(rc));
    if (rc != SQLITE_OK)
        return fail(err, errlen, "cannot be read: %s", sqlite3_errstr(rc));
    if (appid != CL_DB_APPLICATION_ID || version < 1 || version > CLI_DB_MAX_VERSION) {
        cli_db_close(db);
        return fail(err, errlen,
                    "is not a CentralLog partition (application_id %lld, version %lld)", appid,
                    version);
    }
    db->version = (int)version;
    db->kind = CL_DBK_PARTITION;
    read_pragmas(db);
    /* A live or sealing partition has no index: ordering its rows is a
     * sort of all that match, which must spill to a file past the cache
     * rather than grow in memory (a live partition reaches --db-rotate-size). */
    if (!closed)
        sqlite3_exec(db->h, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
    return CLI_OK;
}

void cli_db_close(cli_db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->h);
    db->h = NULL;
}

long long cli_db_max_id(cli_db *db)
{
    long long id = 0;

    return cl_db_query_int(db->h, "SELECT coalesce(max(id), 0) FROM entries", &id) == SQLITE_OK
               ? id
               : -1;
}
