"""Where the team's shared material (../shared beside the project) is.

A user's clone does not have it; tests that need it skip with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("OI_SHARED_DIR") or PROJECT_DIR.parent / "shared")
LEGACY_SCHEMA = SHARED_DIR / "legacy" / "schema-v2.2.0.sql"
LEGACY_BUILDER = SHARED_DIR / "legacy" / "make_legacy_db.py"
EXPORTS_DIR = SHARED_DIR / "data" / "open-interview"


def unavailable(reason: str) -> None:
    """Skip with the reason; under CI=true, where everything a test needs is
    laid out, a failure: a skip there would be counted as a pass."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: it must be there)")
    pytest.skip(reason)


def require_shared(path: Path) -> Path:
    """`path`, or a skip with the reason where the shared material is absent;
    under CI=true, where it is always laid beside the clone, a failure."""
    if not path.exists():
        unavailable(f"{path} is absent: the shared legacy material is not beside this clone")
    return path


def build_legacy_database(out: Path, *, limit: int | None = None) -> Path:
    """Run the shared builder: a database as the Node app left it, from real exports."""
    require_shared(LEGACY_BUILDER)
    command = [sys.executable, str(LEGACY_BUILDER), str(out)]
    if limit:
        command += ["--limit", str(limit)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return out
