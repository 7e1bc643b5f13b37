"""CSV / XLSX files → documents, all or nothing, with every bad cell reported by line and column.

A file is one row per expense line; rows with the same report id form one report (card transactions are one
row each). A preset names the file's columns for each row field (ROW_FIELDS); the user's column mapping
{row field: column header} overrides it, and `defaults` fill fields the file does not carry (e.g. the
entity). Each built document goes through the canonical validator, whose errors are translated back to the
file's line and column. Times without a zone are read as UTC.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from apps.documents.canonical import CanonicalDocument, DocumentType
from apps.documents.errors import SchemaError, TabularError
from apps.documents.normalize.canonical import normalize_canonical
from apps.documents.normalize.files import read_csv, read_xlsx

HEADER_FIELDS = (
    "type",
    "report_id",
    "revision",
    "entity",
    "employee_email",
    "employee_name",
    "employee_id",
    "title",
    "report_currency",
    "approved_at",
    "card_last4",
)
LINE_FIELDS = (
    "line_id",
    "date",
    "amount",
    "currency",
    "category",
    "merchant",
    "description",
    "tax_code",
    "tax_amount",
    "fx_rate",
    "converted_amount",
    "project",
    "cost_centre",
    "department",
    "tag",
    "receipt",
    "receipt_url",
    "payment",
    "card_transaction_id",
    "billable",
    "mileage_distance",
    "mileage_rate",
    "per_diem_days",
    "per_diem_rate",
)
ROW_FIELDS = HEADER_FIELDS + LINE_FIELDS
REQUIRED = ("report_id", "entity", "date", "amount", "currency", "category")
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    columns: dict  # row field → column header
    payment_values: dict = field(default_factory=lambda: {"employee": "employee", "company": "company"})
    tag_levels: tuple = ("cost_centre", "project")
    tag_separator: str = ":"


PRESETS = {
    "canonical": Preset("canonical", "Canonical (column names = field names)", {f: f for f in ROW_FIELDS}),
    "expensify_csv": Preset(
        "expensify_csv",
        "Expensify expense-level CSV",
        {
            "report_id": "Report ID",
            "title": "Report Name",
            "employee_email": "Submitter Email",
            "employee_name": "Submitter Name",
            "report_currency": "Report Currency",
            "approved_at": "Approved Date",
            "line_id": "Transaction ID",
            "date": "Date",
            "merchant": "Merchant",
            "amount": "Amount",
            "currency": "Currency",
            "category": "Category",
            "tag": "Tag",
            "description": "Comment",
            "tax_code": "Tax Code",
            "tax_amount": "Tax Amount",
            "receipt_url": "Receipt URL",
            "payment": "Reimbursable",
            "billable": "Billable",
        },
        payment_values={"yes": "employee", "true": "employee", "no": "company", "false": "company"},
    ),
    "concur_csv": Preset(
        "concur_csv",
        "SAP Concur expense entry extract (CSV)",
        {
            "report_id": "Report ID",
            "title": "Report Name",
            "entity": "Company Code",
            "employee_id": "Employee ID",
            "employee_email": "Employee Email",
            "employee_name": "Employee Name",
            "report_currency": "Report Currency",
            "approved_at": "Approval Date",
            "line_id": "Entry ID",
            "date": "Transaction Date",
            "category": "Expense Type",
            "merchant": "Vendor",
            "amount": "Transaction Amount",
            "currency": "Transaction Currency",
            "converted_amount": "Approved Amount",
            "fx_rate": "Exchange Rate",
            "payment": "Payment Type",
            "receipt": "Receipt Received",
            "cost_centre": "Cost Center",
            "project": "Project",
            "department": "Department",
            "tax_code": "Tax Code",
            "tax_amount": "Tax Amount",
            "description": "Business Purpose",
        },
        payment_values={
            "cash": "employee",
            "personal card": "employee",
            "company paid": "company",
            "corporate card": "company",
            "company card": "company",
        },
    ),
}


# --- rows → documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableDocument:
    """A document read from a file, with the file lines it came from and those rows as {column: value}."""

    document: CanonicalDocument
    lines: tuple[int, ...]
    rows: tuple[dict, ...]


def normalize_table(
    header: list[str], rows: list[list], *, preset: str = "canonical", column_map=None, defaults=None
) -> list[TableDocument]:
    """All documents of the file, or TabularError listing every bad cell (nothing is returned then)."""
    if preset not in PRESETS:
        raise TabularError([(1, "", f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")])
    table = _Table(PRESETS[preset], header, column_map or {}, defaults or {})
    groups = table.group(rows)
    documents = [
        TableDocument(
            document=table.document(key, members),
            lines=tuple(line for line, _ in members),
            rows=tuple({h: _text(v) for h, v in zip(header, row, strict=False) if h} for _, row in members),
        )
        for key, members in groups.items()
    ]
    if not documents and not table.errors:
        table.errors.append((2, "", "the file has no rows"))
    if table.errors:
        raise TabularError(sorted(dict.fromkeys(table.errors), key=lambda e: (e[0], e[1])))
    return documents


class _Table:
    """One file being read: where each field is, and the errors found so far."""

    def __init__(self, preset: Preset, header: list[str], column_map: dict, defaults: dict):
        self.preset, self.defaults, self.errors = preset, defaults, []
        columns = {**preset.columns}
        for name, column in column_map.items():
            if name not in ROW_FIELDS:
                self.errors.append((1, str(column), f"{name!r} is not a field that can be mapped"))
            columns[name] = column
        positions = {title: i for i, title in enumerate(header) if title}
        self.index = {name: positions[c] for name, c in columns.items() if c and c in positions}
        self.column = {name: columns.get(name) or f"{name} (default)" for name in ROW_FIELDS}
        if "report_currency" not in self.index and "report_currency" not in defaults:
            self.column["report_currency"] = self.column["currency"]
        for name in REQUIRED:
            if (
                name not in self.index
                and not defaults.get(name)
                and not (name == "report_id" and "line_id" in self.index)
            ):
                self.errors.append((1, columns.get(name) or name, "this column is missing from the file"))

    def cell(self, row: list, name: str):
        position = self.index.get(name)
        value = row[position] if position is not None and position < len(row) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.defaults.get(name)
        return value.strip() if isinstance(value, str) else value

    def group(self, rows: list[list]) -> dict:
        """(type, report id) → [(line number, row)], in file order; blank rows are skipped."""
        groups: dict = {}
        for offset, row in enumerate(rows):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            doc_type = self.cell(row, "type") or "expense_report"
            report_id = self.cell(row, "report_id") or self.cell(row, "line_id")
            key = (str(doc_type), str(report_id or f"<line {offset + 2}>"))
            groups.setdefault(key, []).append((offset + 2, row))
        return groups

    def document(self, key: tuple, members: list) -> CanonicalDocument | None:
        first_line, first = members[0]
        header = {name: self.cell(first, name) for name in HEADER_FIELDS}
        for line_no, row in members[1:]:
            for name in HEADER_FIELDS:
                value = self.cell(row, name)
                if value not in (None, "") and _text(value) != _text(header[name]):
                    self.errors.append(
                        (line_no, self.column[name], f"differs from line {first_line} of the same report")
                    )
        lines = [self.line(row) for _, row in members]
        wire = self.wire(key, header, lines)
        try:
            return normalize_canonical(wire)
        except SchemaError as error:
            self.errors.extend(self.locate(path, message, members) for path, message in error.errors)
            return None

    def line(self, row: list) -> dict:
        values = {name: self.cell(row, name) for name in LINE_FIELDS}
        line = {
            name: _text(values[name])
            for name in (
                "line_id",
                "merchant",
                "description",
                "tax_code",
                "project",
                "cost_centre",
                "department",
                "receipt_url",
                "card_transaction_id",
                "category",
                "currency",
            )
        }
        line["id"] = line.pop("line_id")
        line["date"] = _date_text(values["date"])
        for name in ("amount", "tax_amount", "fx_rate", "converted_amount"):
            line[name] = _number(values[name])
        line["receipt"] = _flag(values["receipt"])
        line["billable"] = _flag(values["billable"])
        line["payment"] = self.preset.payment_values.get(_text(values["payment"]).lower(), _text(values["payment"]))
        for pair, (q, r) in (("mileage", ("distance", "rate")), ("per_diem", ("days", "rate"))):
            quantity, rate = _number(values[f"{pair}_{q}"]), _number(values[f"{pair}_{r}"])
            if quantity or rate:
                line[pair] = {q: quantity, r: rate}
        if values["tag"]:
            parts = [p.strip() for p in _text(values["tag"]).split(self.preset.tag_separator)]
            line.update({k: v for k, v in zip(self.preset.tag_levels, parts, strict=False) if v and not line.get(k)})
        return {k: v for k, v in line.items() if v not in (None, "")}

    def wire(self, key: tuple, header: dict, lines: list[dict]) -> dict:
        doc_type, source_id = key
        employee = {
            k: _text(header[f])
            for k, f in (("email", "employee_email"), ("name", "employee_name"), ("external_id", "employee_id"))
            if header[f]
        }
        wire = {
            "type": doc_type,
            "id": source_id,
            "entity": _text(header["entity"]),
            "employee": employee,
            "currency": _text(header["report_currency"]) or (lines[0].get("currency") if lines else ""),
            "title": _text(header["title"]),
            "approved_at": _datetime_text(header["approved_at"]),
            "card_last4": _text(header["card_last4"]),
            "lines": lines,
        }
        if header["revision"] not in (None, ""):
            wire["revision"] = _int(header["revision"])
        if doc_type == DocumentType.CARD_TRANSACTION and len(lines) == 1:
            lines[0].setdefault("id", source_id)
            lines[0].setdefault("card_transaction_id", source_id)
            lines[0].setdefault("payment", "company")
        for index, line in enumerate(lines):
            line.setdefault("id", f"{source_id}-{index + 1}")
        return {k: v for k, v in wire.items() if v not in (None, "")}

    def locate(self, path: str, message: str, members: list) -> tuple[int, str, str]:
        """A canonical error path → (file line, file column, message)."""
        if path.startswith("lines["):
            index = int(path[6 : path.index("]")])
            rest = path[path.index("]") + 2 :]
            field_name = _LINE_PATHS.get(rest.split("[")[0], rest.split(".")[0])
            line_no = members[index][0] if index < len(members) else members[0][0]
            return line_no, self.column.get(field_name, field_name), message
        field_name = _HEADER_PATHS.get(path, path)
        return members[0][0], self.column.get(field_name, field_name or ""), message


_LINE_PATHS = {
    "id": "line_id",
    "mileage.distance": "mileage_distance",
    "mileage.rate": "mileage_rate",
    "per_diem.days": "per_diem_days",
    "per_diem.rate": "per_diem_rate",
}
_HEADER_PATHS = {
    "id": "report_id",
    "employee": "employee_email",
    "employee.email": "employee_email",
    "employee.name": "employee_name",
    "employee.external_id": "employee_id",
    "currency": "report_currency",
    "lines": "report_id",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value):
    """Cells stay text ("42.50") so the canonical validator parses them strictly; XLSX numbers become their
    shortest exact text (42.5 → "42.5")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _int(value):
    try:
        return int(_text(value))
    except ValueError:
        return _text(value)  # left for the validator to refuse with its message


def _flag(value):
    word = _text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return word  # not a boolean: the validator says so


def _date_text(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _datetime_text(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat() + ("" if value.tzinfo else "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    text = _text(value)
    if len(text) == 10:
        return f"{text}T00:00:00Z"
    if text and not (text.endswith("Z") or "+" in text[10:] or "-" in text[10:]):
        return text + "Z"
    return text


__all__ = ["PRESETS", "ROW_FIELDS", "TableDocument", "normalize_table", "read_csv", "read_xlsx"]
