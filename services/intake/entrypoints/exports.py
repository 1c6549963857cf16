"""Tables of figures as staff download them: CSV (UTF-8 with a byte order mark, so Excel reads the
Vietnamese) and XLSX (numbers stay numbers, shares as percentages). One `Table` feeds the page, the
CSV and the XLSX, so the three always hold the same figures."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}

#: Column kinds: how a value is shown on the page and stored in the XLSX.
TEXT, NUMBER, DECIMAL, SHARE = "text", "number", "decimal", "share"
_XLSX_FORMATS = {NUMBER: "#,##0", DECIMAL: "0.00", SHARE: "0.0%"}
YES, NO = "Có", "Không"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: A text cell starting like a formula would run as one in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column: the key of its value in each row, its Vietnamese heading, and its kind."""

    key: str
    label: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    """A titled table of figures. `key` names it in download links (`?table=<key>`); rows are mappings
    by column key (other keys, such as `_highlight`, are for the page only and never exported)."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]] = field(default_factory=list)

    def values(self, row: Mapping[str, Any]) -> list[Any]:
        """A row's values in column order."""
        return [row.get(c.key) for c in self.columns]


def _plain(value: Any) -> Any:
    """A value as a file holds it: booleans in words, numbers as numbers, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    """The table as CSV: a heading row, then one line per row; UTF-8 with BOM, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_safe_text(_plain(v)) for v in table.values(row)])
    return out.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    cleaned = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or "Bang"
    return cleaned[:31].rstrip()


def to_xlsx(table: Table) -> bytes:
    """The table as one XLSX worksheet: bold heading row (frozen), numbers as numbers, shares as %."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    workbook.properties.title = table.title
    bold = Font(bold=True)
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.label)
        cell.font = bold
    for r, row in enumerate(table.rows, start=2):
        for col, (column, value) in enumerate(zip(table.columns, table.values(row)), start=1):
            plain = _plain(value)
            cell = sheet.cell(row=r, column=col, value=plain if plain != "" else None)
            if isinstance(plain, str):
                cell.data_type = "s"  # text stays text, even "=..." (never a formula)
            elif column.kind in _XLSX_FORMATS:
                cell.number_format = _XLSX_FORMATS[column.kind]
    for col, column in enumerate(table.columns, start=1):
        longest = max([len(column.label)] + [len(str(_plain(v))) for v in (row.get(column.key) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(col)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ascii_filename(text: str, fallback: str = "bang-so-lieu") -> str:
    """A file name safe in any Content-Disposition: Vietnamese letters without marks, others as dashes."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return re.sub(r"-{2,}", "-", plain)[:100] or fallback


def file_response(content: bytes, fmt: str, name: str) -> Response:
    """An attachment of the given format (`csv` or `xlsx`) named `<name>.<fmt>` in ASCII."""
    filename = f"{ascii_filename(name)}.{fmt}"
    return Response(content, media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_response(table: Table, fmt: str, name: str | None = None) -> Response:
    """The table as a CSV or XLSX download (`fmt`), named after `name` or the table's key."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt!r}")
    content = to_csv(table) if fmt == "csv" else to_xlsx(table)
    return file_response(content, fmt, name or table.key)
