"""Turns the Node app's `TURSO_*` variables into Django's DATABASES setting.

- nothing set: an embedded SQLite file `<data_dir>/open-interview.sqlite3`;
- `TURSO_DATABASE_URL=file:PATH`: that local file (as the Node scripts use
  `file:questions.db`), relative paths taken from the working directory;
- `TURSO_DATABASE_URL=libsql://|https://|http://...`: a remote libSQL server,
  authenticated with `TURSO_AUTH_TOKEN`;
- only `TURSO_DATABASE_URL_RO` (with `TURSO_AUTH_TOKEN_RO`): the same, read-only.

Every case uses our own engine, so SQL functions and value handling are the
same on a laptop and on Turso.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENGINE = "core.db.backends.libsql"
REMOTE_SCHEMES = ("libsql", "https", "http", "wss", "ws")


class DatabaseConfigError(ValueError):
    """The TURSO_* variables do not describe a database we can open."""


def database_settings(*, env: Mapping[str, str], data_dir: Path) -> dict[str, dict[str, Any]]:
    url = (env.get("TURSO_DATABASE_URL") or "").strip()
    token = (env.get("TURSO_AUTH_TOKEN") or "").strip()
    read_only = False
    if not url and (env.get("TURSO_DATABASE_URL_RO") or "").strip():
        url = env["TURSO_DATABASE_URL_RO"].strip()
        token = (env.get("TURSO_AUTH_TOKEN_RO") or "").strip()
        read_only = True
    return {"default": database_entry(url=url, auth_token=token, read_only=read_only, data_dir=data_dir)}


def database_entry(*, url: str, auth_token: str, read_only: bool, data_dir: Path) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": ENGINE,
            "NAME": str(data_dir / "open-interview.sqlite3"),
            "OPTIONS": {"read_only": read_only},
        }
    if url.startswith("file:"):
        path = url[len("file:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise DatabaseConfigError("TURSO_DATABASE_URL=file: needs a path, e.g. file:questions.db")
        return {
            "ENGINE": ENGINE,
            "NAME": str(Path(path).expanduser().resolve()),
            "OPTIONS": {"read_only": read_only},
        }
    scheme = urlsplit(url).scheme.lower()
    if scheme not in REMOTE_SCHEMES:
        raise DatabaseConfigError(
            f"TURSO_DATABASE_URL has unsupported scheme {scheme!r}; "
            "use libsql://, https://, http:// or file:"
        )
    return {
        "ENGINE": ENGINE,
        "NAME": url,
        "OPTIONS": {"url": url, "auth_token": auth_token, "read_only": read_only},
        # One persistent HTTP stream per thread; reconnecting per request
        # would add a TLS handshake to every page.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
