"""The live schema as Django model definitions, to read beside ours (as
`drizzle-kit introspect` writes TypeScript for the Node app).

The output is for comparison, not for pasting in blindly: every model is
`managed = False`, and what has no Django spelling is kept as a comment.
"""

from __future__ import annotations

import keyword
import re

from dbops.schema_contract import Column, Schema, Table

_KEYWORD_DEFAULTS = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"}


def class_name(table: str) -> str:
    name = "".join(part.capitalize() for part in re.split(r"[^0-9a-zA-Z]+", table) if part)
    return name if name and not name[0].isdigit() else f"Table{name}"


def field_name(column: str) -> str:
    name = re.sub(r"\W", "_", column)
    if keyword.iskeyword(name) or name[0].isdigit():
        name = f"{name}_field"
    return name


def _field_class(column: Column, table: Table) -> str:
    base = column.type.split("(")[0].strip()
    if column.primary_key_position and base == "INTEGER" and len(table.primary_key) == 1:
        return "models.AutoField"
    if "INT" in base:
        return "models.IntegerField"
    if any(word in base for word in ("CHAR", "CLOB", "TEXT")) or base == "":
        return "models.TextField"
    if "BLOB" in base:
        return "models.BinaryField"
    if any(word in base for word in ("REAL", "FLOA", "DOUB")):
        return "models.FloatField"
    return "models.TextField"


def _default_argument(default: str) -> tuple[str | None, str | None]:
    """(db_default argument, comment) for a column default's SQL text."""
    if default.upper() in _KEYWORD_DEFAULTS or "(" in default:
        return None, f"DEFAULT {default}"
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", default):
        return default, None
    if default.startswith("'") and default.endswith("'"):
        return repr(default[1:-1].replace("''", "'")), None
    return None, f"DEFAULT {default}"


def table_as_model(table: Table) -> str:
    foreign_keys = {fk.column: fk for fk in table.foreign_keys}
    lines = [f"class {class_name(table.name)}(models.Model):"]
    for column in table.columns.values():
        arguments: list[str] = []
        comments: list[str] = []
        fk = foreign_keys.get(column.name)
        if fk is not None:
            field_class = "models.ForeignKey"
            arguments += [repr(class_name(fk.references_table)), "models.DO_NOTHING"]
            target = field_name(column.name)
            target = target[:-3] if target.endswith("_id") else target
            arguments.append(f"db_column={column.name!r}")
            name = target
        else:
            field_class = _field_class(column, table)
            name = field_name(column.name)
            if name != column.name:
                arguments.append(f"db_column={column.name!r}")
        if column.primary_key_position and len(table.primary_key) == 1:
            arguments.append("primary_key=True")
        if not column.not_null:
            arguments += ["null=True", "blank=True"]
        if column.default is not None:
            value, comment = _default_argument(column.default)
            if value is not None:
                arguments.append(f"db_default={value}")
            if comment:
                comments.append(comment)
        if column.type and field_class == "models.TextField" and column.type != "TEXT":
            comments.append(f"declared {column.type}")
        line = f"    {name} = {field_class}({', '.join(arguments)})"
        if comments:
            line += f"  # {'; '.join(comments)}"
        lines.append(line)
    lines += [
        "",
        "    class Meta:",
        "        managed = False",
        f"        db_table = {table.name!r}",
    ]
    if len(table.primary_key) > 1:
        lines.append(f"        # composite primary key: {', '.join(table.primary_key)}")
    indexes = [i for i in table.named_indexes.values() if not i.partial]
    unique_sets = sorted(table.unique_sets)
    if indexes:
        lines.append("        indexes = [")
        for index in indexes:
            fields = [
                ("-" if c.endswith(" DESC") else "") + field_name(c.removesuffix(" DESC"))
                for c in index.columns
            ]
            kind = "UniqueConstraint" if index.unique else "Index"
            lines.append(f"            models.{kind}(fields={fields!r}, name={index.name!r}),")
        lines.append("        ]")
    elif unique_sets:
        lines.append(f"        # unique: {unique_sets}")
    return "\n".join(lines)


def schema_as_models(schema: Schema) -> str:
    header = [
        "# Models introspected from the live database, for comparison with ours.",
        "from django.db import models",
        "",
    ]
    bodies = [table_as_model(table) for table in schema.tables.values()]
    return "\n".join(header) + "\n\n" + "\n\n\n".join(bodies) + "\n"
