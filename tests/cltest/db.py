"""Reading what the collector stored: its SQLite database, read-only."""

import os
import sqlite3


class Database:
    """A collector's database, opened read-only for each query (the collector
    keeps writing; a query sees what is committed)."""

    def __init__(self, path):
        self.path = path

    def _connect(self):
        if not os.path.exists(self.path):
            raise AssertionError("no database at %s" % self.path)
        return sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=30)

    def query(self, sql, params=()):
        """Rows of a read-only query (TEXT as str)."""
        con = self._connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def query_raw(self, sql, params=()):
        """Like query() but leaves TEXT/BLOB values as bytes."""
        con = self._connect()
        try:
            con.text_factory = bytes
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def scalar(self, sql, params=()):
        return self.query_raw(sql, params)[0][0]

    def msgs(self, where="", params=()):
        """Every entries.msg in id order, as str."""
        return [r[0].decode("utf-8") for r in
                self.query_raw("SELECT msg FROM entries %s ORDER BY id" % where, params)]

    def rejects(self):
        """[(reason, raw bytes, raw_len, message)] in id order."""
        return [(r[0].decode(), bytes(r[1]) if r[1] is not None else None, r[2], r[3].decode())
                for r in self.query_raw(
                    "SELECT reason, raw, raw_len, message FROM rejects ORDER BY id")]
