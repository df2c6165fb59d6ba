"""DB-API driver for a remote libSQL server, built on `turso_serverless`.

`turso_serverless` speaks Hrana-over-HTTP v3 correctly but opens a new
TCP/TLS connection per statement and sends `executemany` one row per
request. The subclasses here keep the protocol code and change transport
and batching:

- one persistent keep-alive HTTP(S) connection per Django connection;
- every statement is one `/v3/pipeline` request (the `get_autocommit`
  probe rides along), `executemany` and `execute_batch` send up to
  `BATCH_MAX_STATEMENTS` statements per request as a Hrana batch whose
  steps each run only if the previous one succeeded;
- a new server stream first replays the connection's setup PRAGMAs in the
  same request, and an idle stream (the server expires them after 10
  seconds) is replaced transparently outside transactions;
- transport and authentication failures become one plain sentence.

Django controls transactions itself (it issues BEGIN), so the driver's
legacy implicit BEGIN is disabled.
"""

from __future__ import annotations

import datetime
import decimal
import http.client
import json
import select
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import turso_serverless
from turso_serverless.connection import Connection, Cursor
from turso_serverless.dbapi import (  # noqa: F401 - re-exported as this DB-API module's classes
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from turso_serverless.protocol import ProtocolError, ServerError, build_batch_step, decode_value
from turso_serverless.session import Session, StmtResult, normalize_url

from core.db import errors
from core.db.errors import DatabaseBusy, DatabaseUnavailable, ReadOnlyDatabaseError

apilevel = turso_serverless.apilevel
threadsafety = turso_serverless.threadsafety
paramstyle = "qmark"
# DB-API constructor Django uses for BinaryField values (as sqlite3 does).
Binary = memoryview

# One HTTP request carries at most this many statements, and roughly this
# many bytes of SQL and parameters, so a 30,000-row insert costs tens of
# round trips and no request body grows without bound.
BATCH_MAX_STATEMENTS = 1000
BATCH_MAX_BYTES = 4 * 1024 * 1024
# sqld expires an idle stream after 10 seconds; outside a transaction we
# start a fresh one a little before that instead of paying for the error.
STREAM_IDLE_SECONDS = 8.0
DEFAULT_TIMEOUT_SECONDS = 60.0


class ServerUnavailableError(OperationalError, DatabaseUnavailable):
    """The server could not be reached, refused the credentials, or the
    connection broke; the message is a plain sentence."""


class DatabaseBusyError(OperationalError, DatabaseBusy):
    """Another stream holds the write lock (SQLITE_BUSY, SQLITE_LOCKED), or
    the server rolled this transaction back because another writer had
    waited for it too long (TRANSACTION_TIMEOUT)."""


# Server error codes meaning another writer got in the way.
BUSY_ERROR_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "TRANSACTION_TIMEOUT")


class StreamExpiredError(ServerUnavailableError):
    """The server forgot the stream (idle timeout) before running the request."""


@dataclass
class RoundTripCounter:
    """HTTP requests sent and TCP connections opened, summed over every
    connection a Django connection wrapper has used."""

    requests: int = 0
    connects: int = 0


class Transport:
    """A single keep-alive HTTP(S) connection to one libSQL server."""

    def __init__(
        self, url: str, *, auth_token: str | None, timeout: float, counter: RoundTripCounter
    ) -> None:
        parts = urlsplit(normalize_url(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InterfaceError(f"Not a libSQL server URL: {parts.scheme}://{parts.hostname}")
        self.address = errors.server_address(parts.geturl())
        self._secure = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path_prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._counter = counter
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth_token:
            self._headers["Authorization"] = f"Bearer {auth_token}"
        self.has_token = bool(auth_token)
        self._http: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:
        return f"<Transport {self.address}>"

    def post(self, path: str, body: bytes) -> bytes:
        """POST `body` and return the 200 response body. A request is sent
        again only if the idle socket turned out dead before anything was
        written to it; once sent, a failure is reported, never retried."""
        reused = self._http is not None and not self._idle_socket_closed()
        if not reused:
            self.close()
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(
                    "POST", self._path_prefix + path, body=body, headers=self._headers
                )
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if (
                    reused
                    and attempt == 1
                    and isinstance(exc, (BrokenPipeError, ConnectionResetError))
                ):
                    reused = False
                    continue
                raise ServerUnavailableError(
                    errors.unreachable_sentence(self.address, exc)
                ) from exc
            break
        self._counter.requests += 1
        try:
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise ServerUnavailableError(errors.connection_lost_sentence(self.address)) from exc
        if response.will_close:
            self.close()
        if response.status != 200:
            raise self._status_error(response.status, data)
        return data

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._http is None:
            connection_class = (
                http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            )
            connection = connection_class(self._host, self._port, timeout=self._timeout)
            try:
                connection.connect()
            except OSError as exc:
                connection.close()
                raise ServerUnavailableError(
                    errors.unreachable_sentence(self.address, exc)
                ) from exc
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._counter.connects += 1
            self._http = connection
        return self._http

    def _idle_socket_closed(self) -> bool:
        """True when the server has closed (or written to) our idle
        keep-alive socket: a readable idle socket means EOF or garbage."""
        sock = self._http.sock if self._http is not None else None
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _status_error(self, status: int, data: bytes) -> Exception:
        message, code = _error_body(data)
        if status in (401, 403):
            if status == 403 and "write permission" in message.lower():
                return ReadOnlyDatabaseError(errors.read_only_token_sentence(self.address))
            return ServerUnavailableError(
                errors.auth_rejected_sentence(self.address, status, token_given=self.has_token)
            )
        if status == 400 and (code == "STREAM_EXPIRED" or "baton" in message.lower()):
            return StreamExpiredError(errors.stream_expired_sentence(self.address))
        return ServerUnavailableError(errors.server_failed_sentence(self.address, status, message))


def _error_body(data: bytes) -> tuple[str, str | None]:
    text = data.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text, None
    if not isinstance(parsed, dict):
        return text, None
    message = parsed.get("message") or parsed.get("error") or ""
    code = parsed.get("code")
    return str(message), code if isinstance(code, str) else None


class RemoteSession(Session):
    """A Hrana stream over a persistent `Transport`, replaying the
    connection's setup statements whenever a new stream starts."""

    def __init__(self, transport: Transport, setup_statements: Sequence[str]) -> None:
        # The token lives only in the transport's headers.
        super().__init__(f"http://{transport.address}", auth_token=None)
        self._transport = transport
        self._setup_statements = list(setup_statements)
        self._last_request_at = 0.0

    def _post(self, path: str, body: dict) -> bytes:
        data = json.dumps(body, allow_nan=False).encode("utf-8")
        try:
            raw = self._transport.post(path, data)
        except Exception:
            self._reset_stream()
            raise
        self._last_request_at = time.monotonic()
        return raw

    def execute_pipeline(self, requests: list[dict], track_autocommit: bool = True) -> list[dict]:
        idle = time.monotonic() - self._last_request_at
        if self._baton is not None and self._autocommit and idle > STREAM_IDLE_SECONDS:
            self._reset_stream()
        in_transaction = not self._autocommit
        try:
            return self._execute_on_stream(requests, track_autocommit)
        except StreamExpiredError:
            if in_transaction:
                raise
            # Outside a transaction nothing was lost: the server rejected
            # the whole request before running any of it.
            self._reset_stream()
            return self._execute_on_stream(requests, track_autocommit)

    def _execute_on_stream(self, requests: list[dict], track_autocommit: bool) -> list[dict]:
        setup = (
            []
            if self._baton is not None
            else [_execute_request(sql) for sql in self._setup_statements]
        )
        results = super().execute_pipeline(setup + requests, track_autocommit)
        for result in results[: len(setup)]:
            _raise_for_error(result)
        return results[len(setup) :]

    def execute_stmt(
        self,
        sql: str,
        args: list | None = None,
        named_args: list[tuple[str, Any]] | None = None,
        want_rows: bool = True,
    ) -> StmtResult:
        [result] = self.execute_pipeline([_execute_request(sql, args, named_args, want_rows)])
        _raise_for_error(result)
        return _statement_result(result["response"]["result"])

    def execute_batch(
        self,
        statements: Iterable[tuple[str, Sequence[Any] | Mapping[str, Any]]],
        *,
        want_rows: bool,
    ) -> list[StmtResult]:
        """Run `statements` in order, `BATCH_MAX_STATEMENTS` per request,
        stopping at the first failure (which is raised)."""
        results: list[StmtResult] = []
        for chunk in _chunks(statements):
            steps = []
            for index, (sql, params) in enumerate(chunk):
                args, named_args = _encode_parameters(params)
                condition = None if index == 0 else {"type": "ok", "step": index - 1}
                steps.append(
                    build_batch_step(
                        sql,
                        args=args,
                        named_args=named_args,
                        want_rows=want_rows,
                        condition=condition,
                    )
                )
            [result] = self.execute_pipeline([{"type": "batch", "batch": {"steps": steps}}])
            _raise_for_error(result)
            batch = result["response"]["result"]
            for step_result, step_error in zip(
                batch["step_results"], batch["step_errors"], strict=True
            ):
                if step_error is not None:
                    raise _statement_error(
                        ServerError(
                            step_error.get("message", "statement failed"),
                            code=step_error.get("code"),
                        )
                    )
                if step_result is None:
                    raise OperationalError(
                        "The libSQL server skipped a batch statement without an error."
                    )
                results.append(_statement_result(step_result))
        return results

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._transport.close()


def _execute_request(
    sql: str,
    args: list | None = None,
    named_args: list[tuple[str, Any]] | None = None,
    want_rows: bool = True,
) -> dict:
    step = build_batch_step(sql, args=args, named_args=named_args, want_rows=want_rows)
    return {"type": "execute", "stmt": step["stmt"]}


def _raise_for_error(result: dict) -> None:
    if result.get("type") == "error":
        error = result.get("error") or {}
        raise _statement_error(
            ServerError(error.get("message", "unknown error"), code=error.get("code"))
        )


def _statement_result(raw: dict) -> StmtResult:
    rowid = raw.get("last_insert_rowid")
    return StmtResult(
        columns=[column.get("name") or "" for column in raw.get("cols") or []],
        rows=[tuple(decode_value(value) for value in row) for row in raw.get("rows") or []],
        affected_rows=raw.get("affected_row_count") or 0,
        last_insert_rowid=int(rowid) if rowid is not None else None,
    )


def _statement_error(exc: ServerError) -> Exception:
    """A DB-API exception for a statement the server refused."""
    message = str(exc)
    code = exc.code or ""
    if code.startswith("SQLITE_CONSTRAINT"):
        return IntegrityError(message)
    if "no such function: regexp" in message.lower():
        return NotSupportedError(
            "Regular-expression lookups (__regex, __iregex) need a Python function and "
            "cannot run on a remote libSQL server."
        )
    if "no such function: django_" in message.lower():
        return NotSupportedError(
            f"This query needs a Django Python function the libSQL server lacks: {message}"
        )
    if code in ("SQLITE_READONLY", "SQLITE_AUTH"):
        return ProgrammingError(message)
    if code.startswith(BUSY_ERROR_CODES):
        return DatabaseBusyError(message)
    return OperationalError(message)


def adapt_parameter(value: Any) -> Any:
    """What the stdlib sqlite3 driver would bind for `value` with Django's
    adapters registered (dates as ISO text, Decimals as text)."""
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    # datetime before date: a datetime is also a date.
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise ProgrammingError(f"Type {type(value).__name__} is not supported as a query parameter.")


def _encode_parameters(
    params: Sequence[Any] | Mapping[str, Any] | None,
) -> tuple[list | None, list[tuple[str, Any]] | None]:
    if not params:
        return None, None
    if isinstance(params, Mapping):
        named = []
        for key, value in params.items():
            name = key if key.startswith((":", "$", "@")) else f":{key}"
            named.append((name, adapt_parameter(value)))
        return None, named
    return [adapt_parameter(value) for value in params], None


def _chunks(
    statements: Iterable[tuple[str, Sequence[Any] | Mapping[str, Any]]],
) -> Iterable[list[tuple[str, Sequence[Any] | Mapping[str, Any]]]]:
    chunk: list[tuple[str, Sequence[Any] | Mapping[str, Any]]] = []
    size = 0
    for statement in statements:
        statement_size = _approximate_size(statement)
        if chunk and (
            len(chunk) >= BATCH_MAX_STATEMENTS or size + statement_size > BATCH_MAX_BYTES
        ):
            yield chunk
            chunk, size = [], 0
        chunk.append(statement)
        size += statement_size
    if chunk:
        yield chunk


def _approximate_size(statement: tuple[str, Sequence[Any] | Mapping[str, Any]]) -> int:
    sql, params = statement
    values = params.values() if isinstance(params, Mapping) else params or ()
    # Per-value JSON overhead ({"type":"text","value":...}) is about 30 bytes.
    return len(sql) + sum(
        30 + (len(value) if isinstance(value, (str, bytes, bytearray)) else 20) for value in values
    )


class RemoteConnection(Connection):
    """DB-API connection whose transactions are driven by explicit
    BEGIN/COMMIT/SAVEPOINT statements, as Django issues them."""

    def __init__(self, session: RemoteSession, transport: Transport) -> None:
        super().__init__(session, isolation_level=None)
        self._remote_session = session
        self.transport = transport

    def __repr__(self) -> str:
        return f"<RemoteConnection {self.transport.address}>"

    def _maybe_implicit_begin(self, sql: str) -> None:
        """Never start a transaction behind Django's back."""

    def _execute_stmt(
        self,
        sql: str,
        params: list | None = None,
        named_params: list[tuple[str, Any]] | None = None,
        want_rows: bool = True,
    ) -> StmtResult:
        self._ensure_open()
        try:
            return self._remote_session.execute_stmt(
                sql,
                args=[adapt_parameter(value) for value in params] if params else None,
                named_args=[(name, adapt_parameter(value)) for name, value in named_params]
                if named_params
                else None,
                want_rows=want_rows,
            )
        except ServerError as exc:
            raise _statement_error(exc) from None
        except ProtocolError as exc:
            raise OperationalError(str(exc)) from None

    def execute_batch(
        self,
        statements: Iterable[tuple[str, Sequence[Any] | Mapping[str, Any]]],
        *,
        want_rows: bool = True,
    ) -> list[StmtResult]:
        self._ensure_open()
        try:
            return self._remote_session.execute_batch(statements, want_rows=want_rows)
        except ServerError as exc:
            raise _statement_error(exc) from None
        except ProtocolError as exc:
            raise OperationalError(str(exc)) from None

    def cursor(self, factory: Any = None) -> Any:
        self._ensure_open()
        return (factory or RemoteCursor)(self)


class RemoteCursor(Cursor):
    """Cursor whose `executemany` is one request per `BATCH_MAX_STATEMENTS` rows."""

    def executemany(
        self, sql: str, seq_of_parameters: Iterable[Sequence[Any] | Mapping[str, Any]]
    ) -> RemoteCursor:
        self._ensure_open()
        self._rows = []
        self._row_index = 0
        self._description = None
        results = self._connection.execute_batch(
            ((sql, parameters) for parameters in seq_of_parameters), want_rows=False
        )
        self._rowcount = sum(result.affected_rows for result in results)
        if results and results[-1].last_insert_rowid is not None:
            self._lastrowid = results[-1].last_insert_rowid
        return self


def connect(
    url: str,
    *,
    auth_token: str | None,
    setup_statements: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    counter: RoundTripCounter | None = None,
) -> RemoteConnection:
    """Open a connection; nothing is sent until the first statement."""
    transport = Transport(
        url, auth_token=auth_token, timeout=timeout, counter=counter or RoundTripCounter()
    )
    return RemoteConnection(RemoteSession(transport, setup_statements), transport)
