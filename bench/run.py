"""`make bench`: every benchmark, on SQLite and on a real libSQL server.

    python bench/run.py [--quick]

1. Admin screens (bench/admin_screens.py): queries and median time per page
   view on a ~34,000-question legacy database, first as a local SQLite file,
   then loaded (db_dump | db_restore) into a fresh `sqld` on loopback.
2. Import (bench/import_bench.py): rows/s, round trips and peak memory of
   `import_content` against django-import-export's default path.
3. Dump and restore (bench/dump_restore_bench.py) of ~30,000 questions on sqld.
4. Load (bench/load_bench.py): 8 signed-in clients mixing list, search,
   change-page reads and saves against gunicorn as `make serve` runs it,
   for 60 s on SQLite and 60 s on sqld: errors and p50/p95 per kind.

Each step runs in its own process; every server started here is stopped.
`--quick` uses fewer rows and page views and a 15 s load, for a smoke run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests.sqld import start_sqld  # noqa: E402

PYTHON = sys.executable


def bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURSO_")}
    env.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    env.setdefault("OI_HTTPS", "0")
    env.update(extra)
    return env


def run(command: list[str], *, env: dict[str, str]) -> None:
    print(f"$ {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True)


def admin_screens(workdir: Path, *, copies: int, views: int) -> None:
    database = workdir / "admin-bench.sqlite3"
    print("\n## Admin screens on SQLite (local file)\n", flush=True)
    run([PYTHON, "bench/admin_screens.py", "--db", str(database), "--copies", str(copies),
         "--views", str(views)], env=bench_env())

    print("\n## Admin screens on a real libSQL server (sqld on loopback)\n", flush=True)
    dump = workdir / "admin-bench.sql.gz"
    run([PYTHON, "manage.py", "db_dump", "-o", str(dump)],
        env=bench_env(TURSO_DATABASE_URL=f"file:{database}"))
    with start_sqld(workdir, jwt_auth=True) as server:
        remote = bench_env(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token or "")
        run([PYTHON, "manage.py", "db_restore", str(dump)], env=remote)
        run([PYTHON, "bench/admin_screens.py", "--views", str(views)], env=remote)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and views (smoke run)")
    args = parser.parse_args()
    copies, views, rows = (0, 3, 3000) if args.quick else (3, 15, 30000)
    with tempfile.TemporaryDirectory(prefix="oi-bench-") as tmp:
        workdir = Path(tmp)
        admin_screens(workdir, copies=copies, views=views)
        print("\n## Import\n", flush=True)
        run([PYTHON, "bench/import_bench.py", "--rows", str(rows)], env=bench_env())
        print("\n## Dump and restore on sqld\n", flush=True)
        run([PYTHON, "bench/dump_restore_bench.py", "--questions", str(rows)], env=bench_env())
        print("\n## Load: 8 clients against gunicorn (2 workers x 4 threads)\n", flush=True)
        run([PYTHON, "bench/load_bench.py", *(["--quick"] if args.quick else [])], env=bench_env())


if __name__ == "__main__":
    main()
