"""File drop: a CSV or XLSX upload becomes documents — all of them, or none with every bad line listed."""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from apps.access.permissions import require
from apps.documents.errors import SchemaError, TabularError
from apps.documents.normalize.tabular import normalize_table, read_csv, read_xlsx
from apps.documents.services import document_intake_refuse, document_receive

FILE_CONNECTOR = "file-upload"
MAX_FILE_BYTES = 10 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # Document rows created
    duplicates: list = field(default_factory=list)  # already received (same id and revision)
    lines: int = 0


def document_file_import(
    *,
    data: bytes,
    filename: str,
    actor,
    preset: str = "canonical",
    column_map: dict | None = None,
    defaults: dict | None = None,
    connector_slug: str = FILE_CONNECTOR,
) -> ImportResult:
    """Import every document of a CSV/XLSX file in one transaction, or none.

    Raises TabularError listing every bad line (line, column, message) — validation of the whole file first,
    then entity/permission checks per document; a refused file is recorded in the ledger (outcome rejected)
    with its name, digest and errors. Re-importing the same file creates nothing new (duplicates counted).
    Permission: `documents.import_document`, and the entity of each document in the user's scope.
    """
    require(actor, "documents.import_document", message="You may not import expense files.")
    raw = {"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "preset": preset}
    try:
        table = _read(data, filename, preset, column_map, defaults)
        return _receive_all(table, raw, actor, connector_slug)
    except TabularError as error:
        document_intake_refuse(
            connector_slug=connector_slug, source_system="file", raw_payload=raw, errors=error.errors, actor=actor
        )
        raise


def document_form_import(*, form, actor) -> ImportResult:
    """The file drop of a valid DocumentImportForm (the import page and the API share it): reads at most the
    size limit plus one byte of the upload (a larger file is refused without being held in memory) and imports
    it. Raises TabularError like document_file_import."""
    data = form.cleaned_data
    upload = data["file"]
    return document_file_import(data=upload.read(MAX_FILE_BYTES + 1), filename=upload.name, actor=actor,
                                preset=data["preset"], defaults=form.defaults(),
                                column_map=data["column_map"])  # fmt: skip


def _read(data: bytes, filename: str, preset: str, column_map, defaults):
    if len(data) > MAX_FILE_BYTES:
        raise TabularError([(1, "", f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it")])
    if not filename.lower().endswith(ALLOWED_SUFFIXES):  # an .exe or .html is refused, whatever it holds
        raise TabularError([(1, "", "upload a .csv or .xlsx file")])
    is_xlsx = filename.lower().endswith(".xlsx") or data[:4] == XLSX_MAGIC
    header, rows = read_xlsx(data) if is_xlsx else read_csv(data)
    return normalize_table(header, rows, preset=preset, column_map=column_map, defaults=defaults)


def _receive_all(table, raw: dict, actor, connector_slug: str) -> ImportResult:
    result, errors = ImportResult(), []
    with transaction.atomic():
        for item in table:
            try:
                document, created = document_receive(
                    canonical=item.document,
                    connector_slug=connector_slug,
                    source_system="file",
                    raw_payload={**raw, "lines": list(item.lines), "rows": list(item.rows)},
                    actor=actor,
                )
            except SchemaError as error:
                errors.extend((item.lines[0], path, message) for path, message in error.errors)
                continue
            (result.created if created else result.duplicates).append(document)
            result.lines += len(item.document.lines)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise TabularError(errors)
    return result
