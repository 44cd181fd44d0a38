/* fieldlist.h - journalctl's -F and -N: the distinct values of one field,
 * and the names of the fields, among the entries that match a filter.
 *
 * A field is a column of entries (level, app, host, pid, tid, logger,
 * trace_id, span_id, msg, peer_pid, peer_uid, peer_gid, peer_sid) or a
 * member of `fields` (a name not among the columns; dots reach nested
 * members, as --field's KEY). Both read every partition the filter selects
 * (partset.h) and collect into one set, so a value is listed once however
 * many partitions hold it. Nothing here prints. */
#ifndef CLI_FIELDLIST_H
#define CLI_FIELDLIST_H

#include <stddef.h>

#include "aggmap.h"
#include "filter.h"
#include "partset.h"

/* Adds to set (keys; counts are of entries) the distinct non-NULL values
 * of field name among the entries of ps that match f: text as stored, a
 * number as SQLite prints it, a level by its name, true/false/null by
 * name, an object or array as its JSON. Returns 0, or -1 with err (a bad
 * name, out of memory, a database error). Unreadable partitions are
 * skipped (ps->partial). */
int cli_field_values(cli_pset *ps, cli_filter *f, const char *name, cli_aggmap *set, char *err,
                     size_t errlen);

/* Adds to set the names of the columns that hold a value in some matching
 * entry, and the top-level member names of their `fields`. */
int cli_field_names(cli_pset *ps, cli_filter *f, cli_aggmap *set, char *err, size_t errlen);

/* The keys of set in byte order, as a new array (the caller frees it);
 * *n gets the count. NULL when empty or out of memory. */
cli_agg **cli_field_sorted(const cli_aggmap *set, size_t *n);

#endif
