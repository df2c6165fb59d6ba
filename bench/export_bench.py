"""Export benchmark: peak memory and time of a whole-list export, by size.

    python bench/export_bench.py [--questions 30000 120000]

Builds legacy databases with ../shared/legacy/make_legacy_db.py (the real
exports' questions, replicated with new ids up to each size, as
bench/dump_restore_bench.py does), then exports every question in each
format (JSON, CSV, XLSX) through the streaming writer the export jobs use
(`importing.exporting.write_export`, into a temporary file), each
export in a fresh process on SQLite. Prints, per size and format: seconds,
file size and peak resident memory above the process's baseline (after
Django and the writers are loaded). Goal: the peak does not grow with the
row count (the export before streaming peaked at 1.18 GB for 30,000
questions as XLSX).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
FORMATS = ("json", "csv", "xlsx")
# Flat: the larger list's peak within this factor of the smaller one's (plus a few MB of noise).
FLAT_FACTOR = 1.25
NOISE_MB = 8


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def worker(file_format: str) -> None:
    """In a fresh process on the configured database: one export; one JSON line."""
    import django

    django.setup()
    import openpyxl  # noqa: F401  (loaded before the baseline, as in a running worker)

    from importing.exporting import write_export
    from interview.models import Question

    Question.objects.exists()
    baseline = _current_rss_mb()
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        rows = write_export(queryset=Question.objects.all(), file_format=file_format, stream=out)
        seconds = time.perf_counter() - started
        size = out.tell()
    print(json.dumps({"rows": rows, "seconds": seconds, "mb": size / 1_048_576, "peak_mb": _peak_rss_mb() - baseline}))


def measure(database: Path, admin: Path, file_format: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_"))}
    env.update(
        TURSO_DATABASE_URL=f"file:{database}",
        ADMIN_DATABASE_URL=f"file:{admin}",
        OI_ALLOW_INSECURE_SECRET_KEY="1",
        OI_HTTPS="0",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    done = subprocess.run(
        [sys.executable, __file__, "--worker", file_format], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, nargs="+", default=[30000, 120000])
    parser.add_argument("--worker", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0

    from bench.dump_restore_bench import build_database

    results: dict[tuple[int, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="oi-export-bench-") as tmp:
        scratch = Path(tmp)
        for size in args.questions:
            database = scratch / f"questions-{size}.sqlite3"
            built = build_database(database, size)
            print(f"database of {built:,} questions built", flush=True)
            for file_format in FORMATS:
                results[size, file_format] = measure(database, scratch / "admin.sqlite3", file_format)
            database.unlink()
    print("\n| questions | format | seconds | file MB | peak MB above baseline |\n|---:|---|---:|---:|---:|")
    for (size, file_format), result in results.items():
        if "error" in result:
            print(f"| {size:,} | {file_format} | error: {result['error']} | | |")
            continue
        print(
            f"| {result['rows']:,} | {file_format} | {result['seconds']:.1f} | {result['mb']:.1f} "
            f"| {result['peak_mb']:.1f} |"
        )
    smallest, largest = min(args.questions), max(args.questions)
    failed = False
    if smallest != largest:
        low, high = (results[size, "json"].get("rows", size) for size in (smallest, largest))
        print(f"\nGoal: peak memory flat from {low:,} to {high:,} questions "
              f"(within {FLAT_FACTOR}x + {NOISE_MB} MB)")
        for file_format in FORMATS:
            small, large = results[smallest, file_format], results[largest, file_format]
            if "error" in small or "error" in large:
                failed = True  # the export itself failed
                continue
            met = large["peak_mb"] <= FLAT_FACTOR * small["peak_mb"] + NOISE_MB
            per_row = (large["peak_mb"] - small["peak_mb"]) * 1_048_576 / max(large["rows"] - small["rows"], 1)
            print(f"- {file_format}: {small['peak_mb']:.1f} MB -> {large['peak_mb']:.1f} MB "
                  f"({per_row:.0f} bytes more per row): {'met' if met else 'NOT met'}")
    # A report, not a gate: `make bench` goes on to its other steps either way.
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
