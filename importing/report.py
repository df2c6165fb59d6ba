"""What an import found and did, in a form the CLI, the admin preview and
the `--report` file all read."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from core.encodings import printable


@dataclass(frozen=True)
class Problem:
    """Why a file or a record is refused. `record` is 1-based within `file`."""

    file: str | None
    reason: str
    record: int | None = None
    field: str | None = None
    record_id: str | None = None
    # INVALID refuses the record; NEWER holds back a valid record whose row
    # changed in the database since the file was made; LEFT_OUT notes a
    # duplicate copy left out by choice (not a problem).
    kind: str = "invalid"

    INVALID: ClassVar[str] = "invalid"
    NEWER: ClassVar[str] = "newer"
    LEFT_OUT: ClassVar[str] = "left-out"

    def __str__(self) -> str:
        where = self.file or "input"
        if self.record is not None:
            where += f" record {self.record}"
        if self.record_id:
            where += f" (id {self.record_id})"
        if self.field:
            where += f", {self.field}"
        # A file name from disk may carry undecodable bytes (as surrogates).
        return printable(f"{where}: {self.reason}")


@dataclass(frozen=True)
class FieldChange:
    field: str  # the camelCase key
    before: Any
    after: Any


@dataclass
class UpdatedRecord:
    record_id: str
    file: str
    record: int
    changes: list[FieldChange]


@dataclass
class ModelReport:
    model: str
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_records: int = 0
    # Valid records held back: their row changed in the database since the file was made.
    newer_records: int = 0
    history_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Duplicate copies left out by the on-duplicate choice (first or last).
    left_out: list[Problem] = field(default_factory=list)
    ignored_keys: Counter[str] = field(default_factory=Counter)
    defaulted_keys: Counter[str] = field(default_factory=Counter)
    updates: list[UpdatedRecord] = field(default_factory=list)
    # What the held-back records would change, were newer rows overwritten.
    newer_updates: list[UpdatedRecord] = field(default_factory=list)
    created_ids: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        line = (
            f"{self.model}: {self.received:,} records: {self.created:,} new, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.invalid_records:,} invalid"
        )
        if self.newer_records:
            line += f", {self.newer_records:,} changed in the database since the file was made"
        if self.left_out:
            line += f", {len(self.left_out):,} duplicate{'s' if len(self.left_out) != 1 else ''} left out"
        if self.ignored_keys:
            ignored = ", ".join(f"{key} x{count:,}" for key, count in sorted(self.ignored_keys.items()))
            line += f"; ignored keys with no column: {ignored}"
        if self.defaulted_keys:
            filled = ", ".join(f"{key} x{count:,}" for key, count in sorted(self.defaulted_keys.items()))
            line += f"; filled in: {filled}"
        return line


@dataclass
class ImportReport:
    dry_run: bool
    skip_invalid: bool
    models: dict[str, ModelReport] = field(default_factory=dict)
    file_problems: list[Problem] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0
    committed: bool = False
    # Set when the import was refused or failed: nothing was written.
    error: str | None = None
    seconds: float = 0.0

    def model_report(self, name: str) -> ModelReport:
        if name not in self.models:
            self.models[name] = ModelReport(model=name)
        return self.models[name]

    @property
    def problems(self) -> list[Problem]:
        return [*self.file_problems, *(p for m in self.models.values() for p in m.problems)]

    @property
    def invalid_records(self) -> int:
        return sum(m.invalid_records for m in self.models.values())

    @property
    def newer_records(self) -> int:
        return sum(m.newer_records for m in self.models.values())

    @property
    def left_out(self) -> list[Problem]:
        return [p for m in self.models.values() for p in m.left_out]

    @property
    def has_problems(self) -> bool:
        """Anything that refuses the import unless invalid records are skipped."""
        return bool(self.file_problems) or self.invalid_records > 0 or self.newer_records > 0

    def totals(self) -> dict[str, int]:
        keys = ("received", "created", "updated", "unchanged", "invalid_records", "newer_records", "history_rows")
        return {key: sum(getattr(m, key) for m in self.models.values()) for key in keys}

    def summary_lines(self) -> list[str]:
        lines = [f"files: {self.files_read:,} read, {len(self.file_problems):,} unreadable"]
        lines += [f"skipped {name}: {why}" for name, why in self.skipped_files]
        lines += [report.summary_line() for report in self.models.values()]
        totals = self.totals()
        lines.append(f"history rows: {totals['history_rows']:,}")
        if self.error:
            lines.append(self.error)
        elif self.dry_run:
            lines.append("dry run: nothing was written")
        elif self.committed:
            lines.append(f"committed in {self.seconds:.2f} s")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, for the `--report` file and the admin preview."""
        data = asdict(self)
        # asdict() rebuilds a Counter from (key, count) pairs, counting the pairs.
        for name, model_report in self.models.items():
            data["models"][name]["ignored_keys"] = dict(model_report.ignored_keys)
            data["models"][name]["defaulted_keys"] = dict(model_report.defaulted_keys)
        data["problems"] = [asdict(p) | {"message": str(p)} for p in self.problems]
        data["left_out"] = [asdict(p) | {"message": str(p)} for p in self.left_out]
        data["totals"] = self.totals()
        data["refused"] = self.refused
        return data

    @property
    def refused(self) -> bool:
        """Refused for its problems (not failed on the database): nothing was written."""
        return self.has_problems and not self.skip_invalid and not self.committed


def refusal_sentence(*, problems: int, where: str | None = None) -> str:
    """Why an import was refused, pointing to where its problems are listed
    (`above` on a terminal, `below` on a page)."""
    listed = f" (listed {where})" if where else ""
    return f"Import refused: {problems:,} problem{'s' if problems != 1 else ''}{listed}; nothing was written."
