"""Domain errors of mappings: each carries a message a finance user can act on (and field errors)."""


class MappingError(Exception):
    """A refused or impossible mapping operation; `str(error)` is safe to show to the user.

    `fields` maps a form/API field name to its problem; `rule_errors` maps a rule id to its problems
    (validation against the master-data cache).
    """

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, rule_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.rule_errors = rule_errors or {}

    def as_dict(self) -> dict:
        body: dict = {"detail": self.message}
        if self.fields:
            body["fields"] = self.fields
        if self.rule_errors:
            body["rules"] = {str(k): v for k, v in self.rule_errors.items()}
        return body


class ImportRejected(MappingError):
    """A CSV/XLSX file with at least one bad row: nothing was imported. `errors`: [(line, column, message)].

    Line numbers are those a spreadsheet shows (the header is line 1); column is the file's column name.
    """

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = list(errors)
        text = "; ".join(f"line {line}, column {column!r}: {message}" for line, column, message in self.errors[:20])
        super().__init__(f"Nothing was imported: {len(self.errors)} problem(s). {text}")

    def as_dict(self) -> dict:
        return {
            "detail": self.message,
            "errors": [{"line": line, "column": column, "message": message} for line, column, message in self.errors],
        }
