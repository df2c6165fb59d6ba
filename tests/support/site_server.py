"""The site served as `make serve` serves it (gunicorn with gunicorn.conf.py:
2 workers x 4 threads), on a free 127.0.0.1 port, for tests and benches.

    env = site_env(TURSO_DATABASE_URL=server.url, TURSO_AUTH_TOKEN=server.rw_token)
    prepare_database(env)                       # migrate + a superuser
    with start_site(env, directory=tmp_path) as site:
        browser = Browser(site.url)
        browser.sign_in(SUPERUSER, SUPERUSER_PASSWORD)
        browser.get("/admin/").status

Only loopback addresses; `stop()` (or leaving the `with`) ends gunicorn.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from types import TracebackType
from urllib.parse import urlencode, urlsplit

PROJECT_DIR = Path(__file__).resolve().parents[2]
SUPERUSER = "site-admin"
SUPERUSER_PASSWORD = "site-admin-password-" + secrets.token_hex(8)
START_TIMEOUT_SECONDS = 60.0
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def site_env(**database: str) -> dict[str, str]:
    """The environment of a production-like site on `database` (TURSO_* and
    ADMIN_* variables; without ADMIN_DATABASE_URL the admin database is a
    file in a new temporary folder); nothing from the caller's TURSO_*,
    ADMIN_* or DJANGO_* leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURSO_", "ADMIN_", "DJANGO_"))}
    env["ADMIN_DATABASE_URL"] = f"file:{tempfile.mkdtemp(prefix='oi-site-')}/admin.sqlite3"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        OI_HTTPS="0",
        DJANGO_SUPERUSER_USERNAME=SUPERUSER,
        DJANGO_SUPERUSER_PASSWORD=SUPERUSER_PASSWORD,
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update(database)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Set up the site's two databases and create its superuser."""
    for command in (["migrate", "--no-input", "-v", "0"], ["db_push", "--yes"], ["ensure_superuser"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )


@dataclass
class SiteServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path = field(repr=False)

    def stop(self) -> None:
        """Stop gunicorn (master and workers); safe to call twice."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log_tail(self, size: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_site(env: dict[str, str], *, directory: Path) -> SiteServer:
    """gunicorn with the project's gunicorn.conf.py on a free loopback port,
    once it answers /healthz."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = Path(directory) / f"gunicorn-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=PROJECT_DIR,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    site = SiteServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{site.url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return site
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    site.stop()
    raise RuntimeError(f"gunicorn did not start on {site.url}; its log ends with:\n{site.log_tail()}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class Browser:
    """One visitor: a keep-alive connection and the cookies the site set."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def get(self, path: str, *, cookies: bool = True) -> Answer:
        return self._request("GET", path, None, cookies=cookies)

    def post(self, path: str, fields: dict[str, str] | list[tuple[str, str]]) -> Answer:
        body = urlencode(fields, doseq=True).encode()
        return self._request("POST", path, body)

    def csrf_token(self, page: Answer) -> str:
        match = _CSRF_FIELD.search(page.body)
        if match is None:
            raise AssertionError(f"no CSRF field on the page (HTTP {page.status})")
        return match.group(1)

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/admin/login/")
        answer = self.post(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": self.csrf_token(page),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise AssertionError(f"sign-in failed: HTTP {answer.status} {answer.body[:300]}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _request(self, method: str, path: str, body: bytes | None, *, cookies: bool = True) -> Answer:
        headers = {"Host": f"{self._host}:{self._port}", "Referer": f"http://{self._host}:{self._port}/"}
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        while True:
            reused = self._connection is not None
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                data = response.read()
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                self.close()
                if reused:
                    # gunicorn had closed the idle keep-alive connection
                    # before reading the request: send it on a new one.
                    continue
                raise
            break
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, dict(response.headers.items()), data.decode("utf-8", "replace"))
