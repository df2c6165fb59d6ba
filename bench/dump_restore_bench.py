"""Dump and restore timings for the full ~30,000-question set on a real sqld.

    .venv/bin/python bench/dump_restore_bench.py [--questions 30000] [--keep DIR]

Builds a legacy database with ../shared/legacy/make_legacy_db.py (8,546
questions from the real exports), replicates questions with new ids up to
--questions, then, in-process through our engine:

1. dumps the local file (dbops.backup.dump_database);
2. restores that dump into a fresh sqld with JWT auth (db_restore's service);
3. dumps it back from the server (db_dump's service);
4. checks row counts per table and that both dumps hold the same INSERTs.

Prints wall time, rows/s and HTTP round trips for each step.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
MAKE_LEGACY_DB = PROJECT_ROOT.parent / "shared" / "legacy" / "make_legacy_db.py"


def build_database(path: Path, questions: int) -> int:
    subprocess.run([sys.executable, str(MAKE_LEGACY_DB), str(path)], check=True, capture_output=True)
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
        others = ", ".join(f'"{c}"' for c in columns if c != "id")
        base = db.execute("SELECT count(*) FROM questions").fetchone()[0]
        copy = 1
        while db.execute("SELECT count(*) FROM questions").fetchone()[0] < questions:
            missing = questions - db.execute("SELECT count(*) FROM questions").fetchone()[0]
            db.execute(
                f'INSERT INTO questions ("id", {others}) '
                f"SELECT id || '-r{copy}', {others} FROM questions "
                f"WHERE rowid <= (SELECT min(rowid) FROM questions) + {base - 1} LIMIT {missing}"
            )
            copy += 1
        return db.execute("SELECT count(*) FROM questions").fetchone()[0]


def insert_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return sorted(line for line in stream if line.startswith("INSERT INTO"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30000)
    parser.add_argument("--keep", type=Path, help="Keep the files in this directory.")
    args = parser.parse_args()

    from tests.support.sqld import start_sqld

    work = args.keep or Path(tempfile.mkdtemp(prefix="dump-restore-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "legacy-30k.sqlite3"
    if source.exists():
        source.unlink()
    started = time.perf_counter()
    total_questions = build_database(source, args.questions)
    print(f"built {source}: {total_questions} questions in {time.perf_counter() - started:.1f}s")

    server = start_sqld(work, jwt_auth=True)
    try:
        os.environ.update(
            {
                "TURSO_DATABASE_URL": server.url,
                "TURSO_AUTH_TOKEN": server.rw_token or "",
                # The admin's own state, out of the way of the project's data/.
                "ADMIN_DATABASE_URL": f"file:{work / 'admin.sqlite3'}",
                "OI_ALLOW_INSECURE_SECRET_KEY": "1",
                "DJANGO_LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        import django

        django.setup()
        from django.db import connections

        from core.databases import CONTENT_DB
        from dbops.backup import dump_database, restore_database
        from dbops.connection import row_counts, user_tables

        connections.settings["source"] = connections.configure_settings(
            {"default": {"ENGINE": "core.db.backends.libsql", "NAME": str(source)}}
        )["default"]
        local, remote = connections["source"], connections[CONTENT_DB]

        def timed(label: str, rows: int, action, connection) -> None:
            before = getattr(connection, "round_trips", 0)
            begun = time.perf_counter()
            action()
            elapsed = time.perf_counter() - begun
            trips = getattr(connection, "round_trips", 0) - before
            print(
                f"{label:<34} {elapsed:7.2f}s  {rows / elapsed:9.0f} rows/s  "
                f"{trips:5d} round trips"
            )

        local_tables = user_tables(local)
        local_counts = row_counts(local, local_tables)
        rows = sum(local_counts.values())
        print(f"{len(local_tables)} tables, {rows} rows; server {server.url}")
        local_dump = work / "local.sql.gz"
        remote_dump = work / "remote.sql.gz"
        timed("dump local file", rows, lambda: dump_database(connection=local, path=local_dump), local)
        print(f"  {local_dump.name}: {local_dump.stat().st_size / 1e6:.1f} MB gzip")
        timed(
            "restore into sqld",
            rows,
            lambda: restore_database(connection=remote, path=local_dump),
            remote,
        )
        timed(
            "dump from sqld",
            rows,
            lambda: dump_database(connection=remote, path=remote_dump),
            remote,
        )
        remote_counts = row_counts(remote, user_tables(remote))
        assert remote_counts == local_counts, (remote_counts, local_counts)
        assert insert_lines(local_dump) == insert_lines(remote_dump)
        print("row counts per table and every INSERT statement match")
    finally:
        server.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
