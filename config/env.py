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


SECRET_KEY_VARIABLE = "DJANGO_SECRET_KEY"


def ensure_secret_key(*, base_dir: Path, environ: Mapping[str, str] | None = None) -> bool:
    """Append a generated `DJANGO_SECRET_KEY` to `.env` unless the environment
    or `.env` already sets one; True when it wrote one.

    `make run` calls it so that every command the README shows runs as
    written in a fresh shell, without a development flag and without a key
    anyone else knows; an existing key is never replaced.
    """
    import secrets

    environ = os.environ if environ is None else environ
    if environ.get(SECRET_KEY_VARIABLE):
        return False
    dotenv = base_dir / ".env"
    text = dotenv.read_text(encoding="utf-8") if dotenv.is_file() else ""
    if parse_dotenv(text).get(SECRET_KEY_VARIABLE):
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    with dotenv.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}{SECRET_KEY_VARIABLE}={secrets.token_urlsafe(50)}\n")
    dotenv.chmod(0o600)
    return True


if __name__ == "__main__":
    if ensure_secret_key(base_dir=Path(__file__).resolve().parent.parent):
        print("Wrote a generated DJANGO_SECRET_KEY to .env (kept for every later run).")
