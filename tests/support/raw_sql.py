"""Rows written and read with raw SQL, as the Node app sees them (no model in between)."""

from __future__ import annotations

from typing import Any

from core.databases import content_connection as connection


def insert_raw(table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values()))


def read_raw(table: str, pk: Any, columns: list[str]) -> dict[str, Any]:
    """The stored values of `columns` in row `pk`; {} when there is no such row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    return dict(zip(columns, row, strict=True)) if row else {}
