/* dbformat.h - the facts of the database file that the collector (which
 * writes it) and the CLI (which reads it) must agree on, in one place:
 * its identity, its schema version and where it lives by default. The DDL
 * itself is schema/partition.sql, sealed.sql and catalog.sql (dbschema.h).
 *
 * The CLI reads every version up to CL_DB_SCHEMA_VERSION (version 2 only
 * added peer_sid, so version 1 reads alike); the collector migrates older
 * files on open and refuses newer ones (store/sink_sqlite.c). */
#ifndef CL_DBFORMAT_H
#define CL_DBFORMAT_H

/* PRAGMA user_version of the schema this source tree writes and reads. */
#define CL_DB_SCHEMA_VERSION 2

/* PRAGMA application_id, 'CLOG': set by the schema files, so that a
 * file can be recognised as CentralLog's before anything else is read. */
#define CL_DB_APPLICATION_ID 1129074503

/* The file names inside a data directory, and the data directory when none
 * is given ($CENTRALLOG_DATA_DIR, then this). */
#define CL_DB_FILE "centrallog.db"
#define CL_LOG_FILE "centrallog.log"
#define CL_DEFAULT_DATA_DIR "./var"

/* The system collector's database (packaging/systemd's unit:
 * StateDirectory=centrallog). */
#define CL_SYSTEM_DATA_DIR "/var/lib/centrallog"
#define CL_SYSTEM_DB CL_SYSTEM_DATA_DIR "/" CL_DB_FILE

#endif
