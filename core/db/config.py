"""Turns the configuration variables into Django's DATABASES setting.

Two databases (see core/databases.py for why): the Node app's content
database, from the app's own `TURSO_*` variables, and the admin's own
database, from `ADMIN_DATABASE_URL`/`ADMIN_AUTH_TOKEN` (default: an embedded
file `<data_dir>/admin.sqlite3`). Both URLs read the same way:

- nothing set: an embedded SQLite file (`<data_dir>/open-interview.sqlite3`
  for the content);
- `TURSO_DATABASE_URL=file:PATH`: that local file (as the Node scripts use
  `file:questions.db`), relative paths taken from the working directory;
- `TURSO_DATABASE_URL=libsql://|https://|http://...`: a remote libSQL server,
  authenticated with `TURSO_AUTH_TOKEN`;
- only `TURSO_DATABASE_URL_RO` (with `TURSO_AUTH_TOKEN_RO`): the content
  database, read-only; the admin database stays writable, so sessions,
  login throttling and admin users work as usual.

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


CONTENT_FILE_NAME = "open-interview.sqlite3"
ADMIN_FILE_NAME = "admin.sqlite3"


def database_settings(*, env: Mapping[str, str], data_dir: Path) -> dict[str, dict[str, Any]]:
    """`default` is the admin's own database, `content` the Node app's."""
    url = (env.get("TURSO_DATABASE_URL") or "").strip()
    token = (env.get("TURSO_AUTH_TOKEN") or "").strip()
    read_only = False
    if not url and (env.get("TURSO_DATABASE_URL_RO") or "").strip():
        url = env["TURSO_DATABASE_URL_RO"].strip()
        token = (env.get("TURSO_AUTH_TOKEN_RO") or "").strip()
        read_only = True
    content = database_entry(
        url=url, auth_token=token, read_only=read_only, data_dir=data_dir, variable="TURSO_DATABASE_URL"
    )
    # The content schema belongs to the Node app and `db_push`: a test run
    # creates it from the schema contract, never with migrations.
    content["TEST"] = {"MIGRATE": False}
    admin = database_entry(
        url=(env.get("ADMIN_DATABASE_URL") or "").strip(),
        auth_token=(env.get("ADMIN_AUTH_TOKEN") or "").strip(),
        read_only=False,
        data_dir=data_dir,
        file_name=ADMIN_FILE_NAME,
        variable="ADMIN_DATABASE_URL",
    )
    if admin["NAME"] == content["NAME"]:
        raise DatabaseConfigError(
            "ADMIN_DATABASE_URL names the content database: the admin's own tables must live "
            "in a database of their own (the Node app's schema tool drops tables it does not know)."
        )
    return {"default": admin, "content": content}


def database_entry(
    *,
    url: str,
    auth_token: str,
    read_only: bool,
    data_dir: Path,
    file_name: str = CONTENT_FILE_NAME,
    variable: str = "TURSO_DATABASE_URL",
) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": ENGINE,
            "NAME": str(data_dir / file_name),
            "OPTIONS": {"read_only": read_only},
        }
    if url.startswith("file:"):
        path = url[len("file:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise DatabaseConfigError(f"{variable}=file: needs a path, e.g. file:questions.db")
        return {
            "ENGINE": ENGINE,
            "NAME": str(Path(path).expanduser().resolve()),
            "OPTIONS": {"read_only": read_only},
        }
    scheme = urlsplit(url).scheme.lower()
    if scheme not in REMOTE_SCHEMES:
        raise DatabaseConfigError(
            f"{variable} has unsupported scheme {scheme!r}; "
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
