#!/usr/bin/env python3
"""How the catalog search index's row order decides what a search costs on SQLite (issue 16).

Times the index keyed by the item's rowid (in sync order, migration 15) against the same index
keyed by position in name order, on a database the catalog benchmark kept. This measurement is why
Optima keeps both (migration 16 keys the second by name bucket, which needs no renumbering between
rebuilds): the first for counts and identifiers, the second for pages of common terms.

    OPTIMA_BENCH_DATA_DIR=/tmp/bench1m OPTIMA_BENCH_ITEMS=1000000 \
      target/release/deps/catalog_sync-<hash> --bench
    python3 scripts/search_layout.py /tmp/bench1m/optima.db

The name-ordered copy goes to a scratch file beside the database and is removed afterwards.
Prints p50 and max in ms over 20 runs of each query. Python's sqlite3 module is enough (FTS5
with the trigram tokenizer needs SQLite 3.34 or later).
"""

import os
import sqlite3
import sys
import time

TERMS = ["latitude", "ing-0077777", "544", "business"]
RUNS = 20


def timed(db, sql, argument):
    """p50 and max of RUNS runs, in ms, and the last run's rows."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        rows = db.execute(sql, (argument,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[-1], rows


def report(label, db, sql, argument):
    p50, worst, rows = timed(db, sql, argument)
    shown = rows[0][0] if len(rows) == 1 else f"{len(rows)} rows"
    print(f"  {label:<44} p50 {p50:7.2f}  max {worst:7.2f}  ({shown})")


def main(path):
    scratch = path + ".by-name.db"
    if os.path.exists(scratch):
        os.remove(scratch)
    by_item = sqlite3.connect(path)
    print("index keyed by rowid (Optima's, migration 15): count, then the page by name")
    for term in TERMS:
        phrase = f'active_key : "{term}"'
        report(f"count {term!r}", by_item,
               "SELECT COUNT(*) FROM catalog_items_fts WHERE catalog_items_fts MATCH ?", phrase)
        report(f"first page {term!r}", by_item,
               "SELECT id FROM catalog_items WHERE deleted_at IS NULL AND inactive = 0 AND rowid IN "
               "(SELECT rowid FROM catalog_items_fts WHERE catalog_items_fts MATCH ?) "
               "ORDER BY name, id LIMIT 51", phrase)
    by_name = sqlite3.connect(scratch)
    try:
        by_name.execute("ATTACH ? AS optima", (path,))
        start = time.perf_counter()
        by_name.executescript("""
            CREATE TABLE items(position INTEGER PRIMARY KEY, id TEXT, name TEXT, search_key TEXT);
            INSERT INTO items(id, name, search_key)
                SELECT id, name, search_key FROM optima.catalog_items
                WHERE deleted_at IS NULL AND inactive = 0 ORDER BY name, id;
            CREATE VIRTUAL TABLE items_fts USING fts5(search_key, content='items',
                content_rowid='position', tokenize='trigram case_sensitive 1');
            INSERT INTO items_fts(items_fts) VALUES('rebuild');
        """)
        print(f"index keyed by position in name order (built in {time.perf_counter() - start:.1f} s):"
              " count, then the page in index order")
        for term in TERMS:
            phrase = f'"{term}"'
            report(f"count {term!r}", by_name,
                   "SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH ?", phrase)
            report(f"first page {term!r}", by_name,
                   "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid LIMIT 51",
                   phrase)
    finally:
        by_name.close()
        os.remove(scratch)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
