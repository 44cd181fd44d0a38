/* own_entry.h - entries of the collector's own: rate-limit and reject-limit
 * reports, database events.
 *
 * They are built from their parts into the record the validator would have
 * made of the same entry sent by a producer (app "centrallogd", no ts: the
 * time of receipt, the default host, fields kept as given), so they are
 * stored and shown exactly like one - but no JSON line is printed and parsed
 * back. The record is marked as the collector's own (record.h: own), which
 * the text file shows and no producer can claim. */
#ifndef CL_OWN_ENTRY_H
#define CL_OWN_ENTRY_H

#include <stdint.h>

#include "record.h"

#define CL_OWN_APP "centrallogd"

typedef struct cl_own_entry {
    int level;          /* enum cl_lvl */
    const char *msg;    /* UTF-8 */
    const char *fields; /* compact JSON object in UTF-8, or NULL */
    int64_t pid;        /* the collector's PID, as its entries claim it */
    cl_str host;        /* the validator's default host; must outlive the record */
} cl_own_entry;

/* The entry record, or NULL when memory is short or msg or fields are not
 * UTF-8 (which the validator would have refused: such an entry is not
 * stored, as before). self: the collector's own credentials. */
cl_record *cl_own_entry_new(const cl_own_entry *e, int64_t received_us, const cl_peer *self);

#endif
