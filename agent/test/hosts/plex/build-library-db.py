#!/usr/bin/python3
"""Builds a Plex library DB and blobs DB for tests from a JSON spec on stdin (written by fixture.ts).

Rows in spec["base"] are committed and checkpointed into the .db file; rows in spec["wal"] are committed with
automatic checkpoints off and the process then ends without closing its connections (os._exit), so those
committed rows live ONLY in the -wal file, as after a Plex Media Server that was killed or never checkpointed.
Copying the .db without its -wal loses them: the trap the migration job must not fall into.
Blob rows get random bytes generated here (spec["blobs"]: count, size, walCount) to give the DB its size.
"""
import importlib.util
import json
import os
import sqlite3
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec_ = importlib.util.spec_from_file_location("plex_sqlite", os.path.join(here, "plex-sqlite.py"))
plex_sqlite = importlib.util.module_from_spec(spec_)
spec_.loader.exec_module(plex_sqlite)


def connect(path, schema):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_collation("icu_root", plex_sqlite.icu_root)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA page_size=4096")
    with open(schema, encoding="utf-8") as f:
        conn.executescript(f.read())
    return conn


def insert(conn, rows_by_table):
    conn.execute("BEGIN")
    for table, rows in rows_by_table.items():
        for row in rows:
            cols = list(row.keys())
            conn.execute(
                f'INSERT INTO "{table}" ({",".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({",".join("?" * len(cols))})',
                [row[c] for c in cols],
            )
    conn.execute("COMMIT")


def blobs(conn, n, size, start):
    conn.execute("BEGIN")
    for i in range(n):
        conn.execute(
            "INSERT INTO blobs (blob_type, linked_type, linked_id, linked_guid, blob, created_at, updated_at) VALUES (1, 'metadata_item', ?, ?, ?, 1700000000, 1700000000)",
            (start + i, f"com.plexapp.agents.none://{start + i}", os.urandom(size)),
        )
    conn.execute("COMMIT")


def main():
    spec = json.load(sys.stdin)
    lib = connect(spec["library"], spec["schema"])
    bl = connect(spec["blobsDb"], spec["blobsSchema"])
    insert(lib, spec["base"])
    b = spec["blobs"]
    blobs(bl, b["count"], b["size"], 1)
    for conn in (lib, bl):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA wal_autocheckpoint=0")
    insert(lib, spec["wal"])
    blobs(bl, b["walCount"], b["size"], b["count"] + 1)
    sys.stdout.flush()
    # No close: closing the last connection would checkpoint the WAL into the .db and delete it.
    os._exit(0)


main()
