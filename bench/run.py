"""`make bench`: every benchmark, on SQLite and on a real libSQL server.

    python bench/run.py [--quick] [--only STEP ...]

1. Admin screens (bench/admin_screens.py): queries and median time per page
   view on a ~34,000-question legacy database, first as a local SQLite file,
   then loaded (db_dump | db_restore) into a fresh `sqld`, at 0 and 40 ms
   round trip (../shared/tools/latency_proxy.py), with the admin's own state
   in a remote database too (what the earlier one-database layout cost) and
   in the local admin database.
   Page times (bench/page_times.py): the main screens' server time (test
   Client) beside their load time in headless Chromium against gunicorn,
   on the same ~34,000-question database.
2. Import (bench/import_bench.py): rows/s, round trips and peak memory of
   `import_content` against django-import-export's default path.
3. Full-export round trip (bench/roundtrip_bench.py): every question
   exported in each format and imported back, all unchanged, in seconds;
   the import rate beside the raw-insert floor measured in the same run.
   Export (bench/export_bench.py): seconds and peak memory of exporting
   30,000 and 120,000 questions in each format (goal: flat).
   Dump and restore (bench/dump_restore_bench.py) of ~30,000 questions on sqld.
4. Dashboard and facet counts (bench/dashboard_bench.py): the admin home
   page, the questions list with "show counts" on, and the data-quality
   recount, at 30,000 and 300,000 questions on SQLite.
   Markdown rendering (bench/markdown_bench.py): the renderer before against
   today's, on pathological and real explanations (no database).
5. Search (bench/search_bench.py): the questions list's full-text search
   beside the plain LIKE search, duplicate suggestions and the freshness
   check, at 305,650 questions on SQLite and 30,565 on sqld (with the
   index rebuild time from sqld).
6. Load (bench/load_bench.py): 8 signed-in clients mixing list, search,
   change-page reads and saves against gunicorn as `make serve` runs it,
   for 60 s on SQLite and 60 s on sqld: errors and p50/p95 per kind.

Each step runs in its own process; every server started here is stopped.
`--quick` uses fewer rows and page views and a 15 s load, for a smoke run;
`--only search` (repeatable; any of the STEPS below) runs just that step.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests.support.sqld import start_sqld  # noqa: E402

PYTHON = sys.executable
SHARED_DIR = Path(os.environ.get("OI_SHARED_DIR") or PROJECT_DIR.parent / "shared")
LATENCY_PROXY = SHARED_DIR / "tools" / "latency_proxy.py"
# A far-away Turso region.
FAR_RTT_MS = 40


def bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_"))}
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
    with start_sqld(workdir, jwt_auth=True) as server, start_sqld(workdir, jwt_auth=True) as admin_server:
        remote = bench_env(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token or "")
        run([PYTHON, "manage.py", "db_restore", str(dump)], env=remote)
        for rtt in (0, FAR_RTT_MS):
            if rtt and not LATENCY_PROXY.is_file():
                print(f"\n(skipped: {LATENCY_PROXY} is absent, no {rtt} ms round-trip run)")
                continue
            with latency(server, rtt) as content_url, latency(admin_server, rtt) as admin_url:
                for layout, admin_env in (
                    (
                        "admin state in a remote database too (the earlier layout's cost)",
                        {"ADMIN_DATABASE_URL": admin_url, "ADMIN_AUTH_TOKEN": admin_server.rw_token or ""},
                    ),
                    (
                        "admin state in the local admin database",
                        {"ADMIN_DATABASE_URL": f"file:{workdir / f'admin-{rtt}.sqlite3'}"},
                    ),
                ):
                    print(f"\n### sqld at {rtt} ms round trip, {layout}\n", flush=True)
                    env = {**remote, "TURSO_DATABASE_URL": content_url, **admin_env}
                    run([PYTHON, "bench/admin_screens.py", "--views", str(views)], env=env)


def search(workdir: Path, *, questions: int, sqld_questions: int, views: int) -> None:
    database = workdir / "search-bench.sqlite3"
    print(f"\n## Search on SQLite (local file), {questions:,} questions\n", flush=True)
    run([PYTHON, "bench/search_bench.py", "--db", str(database), "--questions", str(questions),
         "--views", str(views)], env=bench_env())
    database.unlink(missing_ok=True)
    print(f"\n## Search on a real libSQL server (sqld on loopback), {sqld_questions:,} questions\n", flush=True)
    small = workdir / "search-bench-sqld.sqlite3"
    run([PYTHON, "bench/search_bench.py", "--db", str(small), "--questions", str(sqld_questions), "--build-only"],
        env=bench_env())
    dump = workdir / "search-bench.sql.gz"
    run([PYTHON, "manage.py", "db_dump", "-o", str(dump)], env=bench_env(TURSO_DATABASE_URL=f"file:{small}"))
    with start_sqld(workdir, jwt_auth=True) as server:
        remote = bench_env(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token or "")
        run([PYTHON, "manage.py", "db_restore", str(dump)], env=remote)
        run([PYTHON, "bench/search_bench.py", "--views", str(views)], env=remote)


@contextlib.contextmanager
def latency(server: Any, rtt_ms: int) -> Iterator[str]:
    """`server`'s URL, through the shared latency proxy when `rtt_ms` > 0."""
    if not rtt_ms:
        yield server.url
        return
    port = free_port()
    proxy = subprocess.Popen(
        [PYTHON, str(LATENCY_PROXY), "--listen", f"127.0.0.1:{port}",
         "--target", server.url.split("//", 1)[1], "--rtt-ms", str(rtt_ms), "--max-seconds", "3600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


STEPS = ("screens", "pages", "import", "roundtrip", "export", "dump", "dashboard", "markdown", "search", "load")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and views (smoke run)")
    parser.add_argument("--only", choices=STEPS, action="append", help="run only this step (repeatable)")
    args = parser.parse_args()
    steps = set(args.only or STEPS)
    copies, views, rows = (0, 3, 3000) if args.quick else (3, 15, 30000)
    with tempfile.TemporaryDirectory(prefix="oi-bench-") as tmp:
        workdir = Path(tmp)
        if steps & {"screens", "pages"}:
            admin_screens(workdir, copies=copies, views=views)
        if "pages" in steps:
            print("\n## Page times: server and headless Chromium (SQLite, gunicorn on loopback)\n", flush=True)
            run([PYTHON, "bench/page_times.py", "--db", str(workdir / "admin-bench.sqlite3"),
                 *(["--quick"] if args.quick else [])], env=bench_env())
        if "import" in steps:
            print("\n## Import\n", flush=True)
            run([PYTHON, "bench/import_bench.py", "--rows", str(rows)], env=bench_env())
        if "roundtrip" in steps:
            print("\n## Full-export round trip (SQLite): all unchanged, seconds, the raw-insert floor\n", flush=True)
            subprocess.run([PYTHON, "bench/roundtrip_bench.py", "--copies", "0" if args.quick else "2"],
                           cwd=PROJECT_DIR, env=bench_env())
        if "export" in steps:
            print("\n## Export: peak memory by list size (streamed, SQLite)\n", flush=True)
            sizes = ["3000", "12000"] if args.quick else ["30000", "120000"]
            # Prints whether the goal (flat) is met; a miss does not stop the other steps.
            subprocess.run([PYTHON, "bench/export_bench.py", "--questions", *sizes], cwd=PROJECT_DIR, env=bench_env())
        if "dump" in steps:
            print("\n## Dump and restore on sqld\n", flush=True)
            run([PYTHON, "bench/dump_restore_bench.py", "--questions", str(rows)], env=bench_env())
        if "dashboard" in steps:
            for questions in (3000, 30000) if args.quick else (30000, 300000):
                print(f"\n## Dashboard and facet counts at {questions:,} questions (SQLite)\n", flush=True)
                run([PYTHON, "bench/dashboard_bench.py", "--questions", str(questions), "--views", str(views),
                     "--db", str(workdir / f"dashboard-{questions}.sqlite3")], env=bench_env())
                (workdir / f"dashboard-{questions}.sqlite3").unlink(missing_ok=True)
        if "markdown" in steps:
            print("\n## Markdown rendering\n", flush=True)
            run([PYTHON, "bench/markdown_bench.py", "--explanations", str(500 if args.quick else 2000)], env=bench_env())
        if "search" in steps:
            search(workdir, questions=3000 if args.quick else 305_650, sqld_questions=3000 if args.quick else 30_565,
                   views=3 if args.quick else 9)
        if "load" in steps:
            print("\n## Load: 8 clients against gunicorn (2 workers x 4 threads)\n", flush=True)
            run([PYTHON, "bench/load_bench.py", *(["--quick"] if args.quick else [])], env=bench_env())


if __name__ == "__main__":
    main()
