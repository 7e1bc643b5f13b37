"""CSV/XLSX import of rules into a draft (all rows or nothing) and export of any version.

Import reports every problem at once, as (line, column, message) with spreadsheet line numbers (header = 1).
Export neutralises formula injection: a cell that starts with = + - @ or a control character is prefixed
with an apostrophe, which spreadsheets show as text; import strips that apostrophe again, so an export
re-imports unchanged.
"""

from __future__ import annotations

import csv
import io

from django.db import transaction

from apps.mappings.engine import DIMENSION_TARGETS
from apps.mappings.errors import ImportRejected, MappingError
from apps.mappings.rule_input import FIELDS as RULE_FIELDS
from apps.mappings.rule_input import conditions_text, parse_rule
from apps.mappings.services._common import locked_version, require_edit, rules_of
from apps.mappings.services.drafts import mapping_draft_replace_rules
from apps.mappings.validation import rules_validate

COLUMNS = RULE_FIELDS
REQUIRED = ("source_value", "target_id")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 5 * 1024 * 1024
MAX_INFLATED_BYTES = 10 * MAX_BYTES  # an .xlsx unzips to a few times its size; more is a zip bomb
MAX_ROWS = 20_000


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


# --- reading ---------------------------------------------------------------------------------------------
def read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of a CSV or XLSX file. Raises ImportRejected for unreadable files."""
    if len(content) > MAX_BYTES:
        raise ImportRejected([(1, "", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")])
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif filename.lower().endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise ImportRejected([(1, "", "Upload a .csv or .xlsx file.")])
    numbered = [(n, cells) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)]
    if not numbered:
        raise ImportRejected([(1, "", "The file is empty.")])
    (_, header), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ImportRejected([(1, "", f"At most {MAX_ROWS} rules per file.")])
    return [h.strip().lower().replace(" ", "_") for h in header], body


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([(1, "", "The file is not UTF-8 text: save it as 'CSV UTF-8'.")]) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [[_unneutralise(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    from apps.documents.normalize.files import xlsx_inflated_size

    inflated = xlsx_inflated_size(content)
    if inflated is not None and inflated > MAX_INFLATED_BYTES:  # a zip bomb: refused before parsing
        raise ImportRejected([(1, "", f"The workbook unzips to more than {MAX_INFLATED_BYTES // 1024 // 1024} MB.")])
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # noqa: BLE001 — openpyxl raises many types for a corrupt or foreign file
        raise ImportRejected([(1, "", "The file is not a readable .xlsx workbook.")]) from None
    return [[_unneutralise(_cell_text(c)) for c in row] for row in sheet.iter_rows(values_only=True)]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):  # a datetime cell typed as a date
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- checking and importing ------------------------------------------------------------------------------
def parse_table(version, header: list[str], body, *, existing: list[dict] = ()) -> list[dict]:
    """Typed rules from the table, or ImportRejected listing every (line, column, message).

    `existing` rules (append mode) take part in the duplicate check; the file's rules come after them.
    """
    mapping_set = version.mapping_set
    errors: list[tuple[int, str, str]] = []
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        errors.append((1, unknown[0], f"Unknown column; the columns are {', '.join(COLUMNS)}."))
    errors.extend((1, column, "This column is required.") for column in REQUIRED if column not in header)
    if errors:
        raise ImportRejected(errors)
    default_model = DIMENSION_TARGETS[mapping_set.dimension][0]
    rules, parsed = [], []  # parsed: (line, rule) of the rows whose values could be read
    for line, cells in body:
        raw = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        rule, problems = parse_rule(raw, default_model=default_model)
        errors.extend((line, column, message) for column, message in problems.items())
        rules.append(rule)
        if not problems:
            parsed.append((line, rule))
    # Rows that could be read are checked against the cache and each other even when others could not.
    kept = list(existing)
    found = rules_validate(mapping_set.entity, mapping_set.dimension, kept + [rule for _, rule in parsed])
    for index, problems in found.items():
        if index >= len(kept):
            line = parsed[index - len(kept)][0]
            errors.extend((line, column, message) for column, message in problems.items())
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e[0], COLUMNS.index(e[1]) if e[1] in COLUMNS else 99)))
    return [*existing, *rules]


@transaction.atomic
def mapping_rules_import(*, version, actor, filename: str, content: bytes, mode: str = "replace") -> int:
    """Import a file into a draft: `replace` its rules, or `append` to them. All rows or nothing.

    Permission: change on the set; the version must be a draft. Raises ImportRejected (row errors) or
    MappingError. Returns the number of rules the draft holds afterwards.
    """
    version = locked_version(version)
    require_edit(actor, version)
    if mode not in ("replace", "append"):
        raise MappingError("Choose replace or append.", fields={"mode": "Choose replace or append."})
    header, body = read_table(filename, content)
    existing = _typed_rules(version) if mode == "append" else []
    rules = parse_table(version, header, body, existing=existing)
    for rule in rules:
        rule["target_name"] = rule["target_name"] or _cached_name(version, rule)
    return mapping_draft_replace_rules(version=version, actor=actor, rules=rules, source=f"{mode} from {filename}")


def _typed_rules(version) -> list[dict]:
    rules = []
    for rule in version.rules.order_by("position", "id"):
        data = rule.as_dict()
        data.pop("position")
        data["effective_from"], data["effective_to"] = rule.effective_from, rule.effective_to
        rules.append(data)
    return rules


def _cached_name(version, rule: dict) -> str:
    from apps.mappings.services.drafts import _cached_name as cached

    return cached(version.mapping_set.entity, rule["target_model"], rule["target_id"])


# --- exporting -------------------------------------------------------------------------------------------
def _export_cell(rule: dict, column: str) -> str:
    value = rule.get(column)
    if column == "conditions":
        return conditions_text(value or {})
    return "" if value is None else str(value)


def export_rows(version) -> list[list[str]]:
    return [[neutralise(_export_cell(rule, column)) for column in COLUMNS] for rule in rules_of(version)]


def export_csv(version) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(version))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(version) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"v{version.number}"[:31])
    sheet.append(list(COLUMNS))
    for row in export_rows(version):
        sheet.append(row)  # strings (neutralised): never interpreted as formulas
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(version, extension: str) -> str:
    mapping_set = version.mapping_set
    return f"mappings-{mapping_set.entity.code}-{mapping_set.dimension}-v{version.number}.{extension}"
