"""Import benchmark: our engine vs django-import-export's default path.

    python bench/import_bench.py [--rows 30000] [--no-sqld] [--no-baseline]

Data sets: the shared exports (../shared/data/open-interview, as a tree) and
a 30,000-question file made by replicating the shared questions with new
ids. Each run is a fresh database, migrated, in its own process:

- `engine`: what `manage.py import_content PATH --skip-invalid` does, end to
  end (read the files, validate, diff, write questions and their history
  rows, commit);
- `django-import-export`: `QuestionResource().import_data()` with default
  settings on the same question records (no history rows; its per-row
  lookups and saves are what the engine avoids).

Targets: SQLite (a local file) and, unless --no-sqld, a real `sqld` on
loopback started by tests/support/sqld.py (one fresh server per run, always
stopped), or TURSO_DATABASE_URL if it names a server. The baseline on sqld
runs on the first 2,000 records only (it does two or more round trips per
row).

Prints a table (rows, history rows, wall seconds, CPU seconds of the
importing process, rows/s, round trips, records per round trip, peak memory
above the process's baseline and as a multiple of the input's size), then
the goals an import of the large set must meet and whether it meets them. Timings
depend on the machine's load, printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
SHARED_EXPORTS = Path(os.environ.get("OI_SHARED_DIR") or PROJECT_DIR.parent / "shared") / "data" / "open-interview"


def _rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM; unlike ru_maxrss,
    not inherited from the parent across fork/exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(mode: str, path: str, limit: int) -> None:
    """Runs in a fresh process with the target database configured; prints one JSON line."""
    import django

    django.setup()
    from django.core.management import call_command

    from core.databases import content_connection as connection

    call_command("migrate", verbosity=0)
    # The content tables belong to `db_push`, not to migrate.
    call_command("db_push", yes=True, verbosity=0)
    baseline = _current_rss_mb()
    trips_before = getattr(connection, "round_trips", 0)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    if mode == "engine":
        from importing.readers import cyclic_gc_paused
        from importing.services import import_files
        from importing.sources import read_paths
        from interview.services import OPERATOR

        # As `import_content` does it: read and import under one collector pause.
        with cyclic_gc_paused():
            report = import_files(
                files=read_paths(paths=[path]),
                user_label="bench",
                actor=OPERATOR,
                dry_run=False,
                skip_invalid=True,
            )
        totals = report.totals()
        rows = totals["created"] + totals["updated"] + totals["unchanged"]
        history = totals["history_rows"]
        error = report.error
    else:
        import tablib

        from importing.sources import read_paths
        from interview.resources import QuestionResource

        records = [r.data for f in read_paths(paths=[path]) if f.model == "questions" for r in f.records]
        known = set(QuestionResource().get_export_headers())
        records = [
            {k: (json.dumps(v) if isinstance(v, list | dict) else v) for k, v in r.items() if k in known}
            for r in records
            if all(r.get(k) for k in ("id", "question", "answer", "explanation", "difficulty", "channel", "subChannel"))
        ]
        seen: set[str] = set()
        records = [r for r in records if not (r["id"] in seen or seen.add(r["id"]))]
        if limit:
            records = records[:limit]
        headers = sorted(known)
        dataset = tablib.Dataset(headers=headers)
        for r in records:
            dataset.append([r.get(h) for h in headers])
        result = QuestionResource().import_data(dataset, dry_run=False, raise_errors=False)
        rows = len(records)
        history = 0
        error = "; ".join(str(e.error) for e in result.base_errors[:3]) or (
            f"{len(result.invalid_rows)} invalid rows" if result.has_validation_errors() else None
        )
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    print(
        json.dumps(
            {
                "rows": rows,
                "history": history,
                "seconds": seconds,
                "cpu": cpu,
                "round_trips": getattr(connection, "round_trips", 0) - trips_before,
                "peak_mb": _rss_mb() - baseline,
                "error": error,
            }
        )
    )


def make_large_set(rows: int, directory: Path) -> Path:
    """`rows` questions: the shared ones replicated with new ids (q-100000...)."""
    from importing.sources import read_paths

    base = [
        r.data
        for f in read_paths(paths=[SHARED_EXPORTS / "questions"])
        if not f.problem
        for r in f.records
        if all(r.data.get(k) for k in ("id", "question", "answer", "explanation", "difficulty", "channel", "subChannel"))
    ]
    out = []
    for n in range(rows):
        record = dict(base[n % len(base)])
        record["id"] = f"q-{100000 + n}"
        out.append(record)
    path = directory / "questions-30k.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run(mode: str, path: Path, env: dict[str, str], limit: int = 0) -> dict:
    command = [sys.executable, __file__, "--worker", mode, str(path), "--baseline-limit", str(limit)]
    completed = subprocess.run(command, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        return {"error": (completed.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def input_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.json")) / 1_048_576
    return path.stat().st_size / 1_048_576


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--no-sqld", action="store_true", help="SQLite only")
    parser.add_argument("--no-baseline", action="store_true", help="skip django-import-export's path")
    parser.add_argument("--baseline-limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.baseline_limit)
        return 0

    # A terminated bench still runs its `finally`: the sqld it started (in
    # a session of its own, out of reach of the terminal's signals) stops.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("OI_ALLOW_INSECURE_SECRET_KEY", "1")
    import django

    django.setup()
    if not SHARED_EXPORTS.exists():
        print(f"{SHARED_EXPORTS} is absent: nothing to measure")
        return 1
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        return _measure(Path(tmp), args)


def _measure(scratch: Path, args: argparse.Namespace) -> int:
    large = f"{args.rows:,} questions"
    datasets = [("shared exports", SHARED_EXPORTS), (large, make_large_set(args.rows, scratch))]
    base_env = {**os.environ, "TURSO_DATABASE_URL_RO": "", "TURSO_AUTH_TOKEN_RO": "", "DJANGO_DEBUG": ""}
    targets = ["sqlite"]
    external = os.environ.get("TURSO_DATABASE_URL", "").startswith(("http", "libsql"))
    if not args.no_sqld:
        targets.append("libsql (TURSO_DATABASE_URL)" if external else "sqld loopback")

    from tests.support.sqld import start_sqld

    print(f"load average before: {_load()}", flush=True)
    print(_header(), flush=True)
    results = []
    server = None
    try:
        for target in targets:
            for dataset_name, path in datasets:
                for mode in ("engine", "django-import-export"):
                    if mode != "engine" and args.no_baseline:
                        continue
                    env = dict(base_env)
                    limit = 0
                    # The admin's own database, fresh per run too.
                    env["ADMIN_DATABASE_URL"] = f"file:{scratch / f'admin-{len(results)}.sqlite3'}"
                    env["ADMIN_AUTH_TOKEN"] = ""
                    if target == "sqlite":
                        env["TURSO_DATABASE_URL"] = f"file:{scratch / f'run-{len(results)}.sqlite3'}"
                        env["TURSO_AUTH_TOKEN"] = ""
                    elif not external:
                        # A fresh server per run: every run starts from an empty database.
                        if server is not None:
                            server.stop()
                            server = None
                        server = start_sqld(scratch, jwt_auth=True)
                        env["TURSO_DATABASE_URL"] = server.url
                        env["TURSO_AUTH_TOKEN"] = server.rw_token or ""
                    if target != "sqlite" and mode != "engine":
                        limit = 2000
                    result = run(mode, path, env, limit)
                    results.append((target, dataset_name, mode, input_mb(path), limit, result))
                    print(_row(*results[-1]), flush=True)
    finally:
        if server is not None:
            server.stop()
    print(f"load average after: {_load()}", flush=True)
    print()
    for line in _goals(results, large):
        print(line)
    return 0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


# What an import of the large set (history rows written) must stay within to
# remain practical for an editor: wall time, round trips, memory.
SQLITE_SECONDS = 6.0
SERVER_SECONDS = 15.0
RECORDS_PER_ROUND_TRIP = 50
MEMORY_MULTIPLE = 4.0


def _goals(results: list[tuple], large: str) -> list[str]:
    lines = [f"Goals (set for 30,000 questions; measured on {large}, engine, history rows written):"]
    for target, data, mode, size_mb, _limit, result in results:
        if data != large or mode != "engine" or "seconds" not in result:
            continue
        checks = []
        if target == "sqlite":
            checks.append((f"<= {SQLITE_SECONDS:.0f} s", result["seconds"] <= SQLITE_SECONDS, f"{result['seconds']:.2f} s"))
        else:
            checks.append((f"<= {SERVER_SECONDS:.0f} s", result["seconds"] <= SERVER_SECONDS, f"{result['seconds']:.2f} s"))
            per_trip = result["rows"] / result["round_trips"] if result["round_trips"] else float("inf")
            checks.append(
                (
                    f">= {RECORDS_PER_ROUND_TRIP} records per round trip",
                    per_trip >= RECORDS_PER_ROUND_TRIP,
                    f"{per_trip:.0f} ({result['round_trips']} round trips)",
                )
            )
        multiple = result["peak_mb"] / size_mb if size_mb else 0
        checks.append((f"peak memory < {MEMORY_MULTIPLE:.0f}x input", multiple < MEMORY_MULTIPLE, f"{multiple:.1f}x"))
        for goal, met, measured in checks:
            lines.append(f"  {target:<16} {goal:<32} {'met' if met else 'MISSED':<7} {measured}")
    return lines


def _header() -> str:
    return (
        f"{'target':<16} {'data':<18} {'path':<21} {'rows':>7} {'history':>7} {'seconds':>8} {'cpu s':>6} "
        f"{'rows/s':>8} {'trips':>6} {'rec/trip':>8} {'peak MB':>8} {'x input':>7} {'input MB':>8}"
    )


def _row(target: str, data: str, mode: str, size_mb: float, limit: int, result: dict) -> str:
    if result.get("error") and "rows" not in result:
        return f"{target:<16} {data:<18} {mode:<21} error: {result['error']}"
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0
    trips = result["round_trips"]
    per_trip = f"{result['rows'] / trips:.0f}" if trips else "-"
    note = f" (first {limit:,} rows)" if limit else ""
    note += f" [{result['error']}]" if result.get("error") else ""
    multiple = result["peak_mb"] / size_mb if size_mb else 0
    return (
        f"{target:<16} {data:<18} {mode:<21} {result['rows']:>7,} {result['history']:>7,} "
        f"{result['seconds']:>8.2f} {result['cpu']:>6.2f} {rate:>8,.0f} {trips:>6} {per_trip:>8} "
        f"{result['peak_mb']:>8.0f} {multiple:>7.1f} {size_mb:>8.1f}{note}"
    )


if __name__ == "__main__":
    sys.exit(main())
