"""Writing tables for download: CSV and XLSX safe against formula injection, Parquet through pyarrow.

A text cell that a spreadsheet would take for a formula (starting with =, +, -, @, a tab or a carriage return)
is written with a leading apostrophe, so it shows as the text it is (OWASP's advice for CSV injection). Numbers
stay numbers. XLSX cells are always written as typed values, never as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> object:
    """`value` made safe for a spreadsheet cell (see the module docstring); non-text values are returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return safe_text(str(value))


class _Echo:
    def write(self, value):
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """CSV text in chunks (for a StreamingHttpResponse); a UTF-8 BOM first so spreadsheets pick the encoding."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_text(h) for h in header])
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[Iterable]]]) -> bytes:
    """An XLSX workbook of [(sheet title, header, rows)], written in streaming (write-only) mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_text(h) for h in header])
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a string is never a formula, whatever it starts with
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool | int | float | date):
        return value
    return safe_text(str(value))


def parquet_bytes(columns: list[tuple[str, str]], rows: list[tuple]) -> bytes:
    """A Parquet file (pyarrow, snappy) of `rows` with typed columns [(name, type)], type one of
    text, int, date, timestamp, decimal (20, 4)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"),
             "decimal": pa.decimal128(20, 4)}  # fmt: skip
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    data = {name: [row[i] for row in rows] for i, (name, _kind) in enumerate(columns)}
    table = pa.table(data, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    return buffer.getvalue()
