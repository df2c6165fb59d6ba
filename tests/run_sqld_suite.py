"""Run the `@pytest.mark.sqld` tests with Django's default database on a
fresh local libSQL server.

    python tests/run_sqld_suite.py [pytest args...]

Starts sqld with JWT auth, points TURSO_DATABASE_URL/TURSO_AUTH_TOKEN at
it, runs `pytest -m sqld` with the extra arguments, always stops the
server, and exits with pytest's exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.sqld import start_sqld  # noqa: E402 - needs the project root on sys.path

# Variables that would point Django somewhere else than the test server.
OVERRIDDEN_VARIABLES = ("TURSO_DATABASE_URL_RO", "TURSO_AUTH_TOKEN_RO")


def main(pytest_args: list[str]) -> int:
    server = start_sqld(jwt_auth=True)
    try:
        env = dict(os.environ)
        env["TURSO_DATABASE_URL"] = server.url
        env["TURSO_AUTH_TOKEN"] = server.rw_token or ""
        for name in OVERRIDDEN_VARIABLES:
            # Empty values win over a developer's .env file.
            env[name] = ""
        print(f"sqld pass: default database is {server.url}", flush=True)
        command = [sys.executable, "-m", "pytest", "-m", "sqld", *pytest_args]
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
