"""The status report behind `db_status`: where the database is, whether we
may write, whether its schema matches the contract, its row counts and one
round trip's time. None of this writes, or prints the auth token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.databases import round_trip_seconds
from dbops import schema_sync
from dbops.connection import Location, database_location, row_counts, server_version, write_access


@dataclass
class DatabaseStatus:
    location: Location
    server_version: str
    writable: bool
    write_reason: str
    row_counts: dict[str, int]
    in_sync: bool
    unexplained_differences: list[str]
    accepted_differences: int
    round_trip_ms: float
    round_trips_used: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location.describe(),
            "scheme": self.location.scheme,
            "address": self.location.address,
            "remote": self.location.remote,
            "server_version": self.server_version,
            "writable": self.writable,
            "write_reason": self.write_reason,
            "row_counts": self.row_counts,
            "in_sync": self.in_sync,
            "unexplained_differences": self.unexplained_differences,
            "accepted_differences": self.accepted_differences,
            "round_trip_ms": round(self.round_trip_ms, 2),
            "round_trips_used": self.round_trips_used,
        }


def database_status(connection: Any) -> DatabaseStatus:
    before = getattr(connection, "round_trips", None)
    location = database_location(connection)
    version = server_version(connection)
    access = write_access(connection)
    report = schema_sync.check_schema(connection=connection)
    counts = row_counts(connection, [t for t in report.live_tables])
    elapsed = round_trip_seconds(connection)
    after = getattr(connection, "round_trips", None)
    return DatabaseStatus(
        location=location,
        server_version=version,
        writable=access.writable,
        write_reason=access.reason,
        row_counts=counts,
        in_sync=report.in_sync,
        unexplained_differences=[d.describe() for d in report.unexplained],
        accepted_differences=len(report.accepted),
        round_trip_ms=elapsed * 1000,
        round_trips_used=(after - before) if before is not None and after is not None else None,
    )
