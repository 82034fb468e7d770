"""Markdown tables for Dagster metadata (the UI renders them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MAX_CELL_CHARACTERS = 120


def cell(value, float_format: str | None = None) -> str:
    """One cell: a float in float_format when given, no '|' or line breaks, at most 120 characters."""
    text = float_format.format(value) if float_format and isinstance(value, float) else str(value)
    return text.replace("|", "/").replace("\n", " ")[:MAX_CELL_CHARACTERS]


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence], float_format: str | None = None) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(value, float_format) for value in row) + " |" for row in rows]
    return "\n".join(lines)
