"""Reads the process environment, with a project-root `.env` file as a fallback.

The Node app and its bots are configured through `TURSO_*` variables, often
kept in a `.env` file; we read the same file so one file configures both.
Variables already set in the environment win over the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse `KEY=value` lines; `#` comments, `export ` prefixes and quotes allowed."""
    values: dict[str, str] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_environment(*, base_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The effective configuration: `.env` under `base_dir`, overridden by `environ`."""
    merged: dict[str, str] = {}
    dotenv = base_dir / ".env"
    if dotenv.is_file():
        merged.update(parse_dotenv(dotenv.read_text(encoding="utf-8")))
    merged.update(os.environ if environ is None else environ)
    return merged
