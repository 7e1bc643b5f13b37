"""Reading CSV and XLSX files into (header, rows): no validation beyond "is this a readable table"."""

import csv
import io
import itertools
import zipfile

from apps.documents.errors import TabularError

MAX_ROWS = 100_000
# What a workbook may unzip to. A real one unzips to a few times its size; a "zip bomb" of a few hundred KB
# unzips to gigabytes of rows that the reader would parse (and hold) before counting them.
MAX_INFLATED_BYTES = 100 * 1024 * 1024


def xlsx_inflated_size(data: bytes) -> int | None:
    """The unzipped size a workbook's members declare, or None when it is no zip at all. Reading a member never
    yields more than it declares (zipfile stops there and fails the CRC), so the declaration bounds the work."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def read_csv(data: bytes) -> tuple[list[str], list[list]]:
    """(header, rows) of a UTF-8 CSV (BOM allowed; ',' ';' or tab separated)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TabularError([(1, "", "the file is not UTF-8 text; export it as CSV UTF-8")]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _split_header(rows)


def read_xlsx(data: bytes) -> tuple[list[str], list[list]]:
    """(header, rows) of the first worksheet of an .xlsx workbook (cell values, formulas as last computed)."""
    from openpyxl import load_workbook

    inflated = xlsx_inflated_size(data)
    if inflated is not None and inflated > MAX_INFLATED_BYTES:
        message = f"the workbook unzips to more than {MAX_INFLATED_BYTES // (1024 * 1024)} MB; split it"
        raise TabularError([(1, "", message)])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a file that is not a workbook
        raise TabularError([(1, "", "the file is not an Excel .xlsx workbook")]) from None
    try:
        # One row more than allowed is enough to refuse the file: never read past it.
        rows = [list(row) for row in itertools.islice(workbook.worksheets[0].iter_rows(values_only=True), MAX_ROWS + 2)]
    finally:
        workbook.close()
    return _split_header(rows)


def _split_header(rows: list[list]) -> tuple[list[str], list[list]]:
    if not rows:
        raise TabularError([(1, "", "the file is empty")])
    if len(rows) - 1 > MAX_ROWS:
        raise TabularError([(MAX_ROWS + 2, "", f"the file has more than {MAX_ROWS} rows; split it")])
    return ["" if h is None else str(h).strip() for h in rows[0]], rows[1:]
