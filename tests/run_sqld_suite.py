"""Run the `@pytest.mark.sqld` tests with both databases on fresh local
libSQL servers.

    python tests/run_sqld_suite.py [pytest args...]

Starts two sqld servers with JWT auth, points TURSO_DATABASE_URL/
TURSO_AUTH_TOKEN (the content) at one and ADMIN_DATABASE_URL/
ADMIN_AUTH_TOKEN (the admin's own state, as several instances would share
it) at the other, runs `pytest -m sqld` with the extra arguments, always
stops the servers, and exits with pytest's exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.sqld import start_sqld  # noqa: E402 - needs the project root on sys.path

# Variables that would point Django somewhere else than the test server.
OVERRIDDEN_VARIABLES = ("TURSO_DATABASE_URL_RO", "TURSO_AUTH_TOKEN_RO")


def main(pytest_args: list[str]) -> int:
    content = start_sqld(jwt_auth=True)
    try:
        admin = start_sqld(jwt_auth=True)
    except BaseException:
        content.stop()
        raise
    try:
        env = dict(os.environ)
        env["TURSO_DATABASE_URL"] = content.url
        env["TURSO_AUTH_TOKEN"] = content.rw_token or ""
        env["ADMIN_DATABASE_URL"] = admin.url
        env["ADMIN_AUTH_TOKEN"] = admin.rw_token or ""
        for name in OVERRIDDEN_VARIABLES:
            # Empty values win over a developer's .env file.
            env[name] = ""
        print(f"sqld pass: content database {content.url}, admin database {admin.url}", flush=True)
        command = [sys.executable, "-m", "pytest", "-m", "sqld", *pytest_args]
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)
    finally:
        admin.stop()
        content.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
