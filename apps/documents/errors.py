"""Domain errors of the documents app, each with a message a finance user can act on."""


class SchemaError(ValueError):
    """Input that is not a valid document. `errors` lists every problem found: [(path, message)].

    Paths name the field in the input as the sender wrote it, e.g. `lines[0].amount` or
    `transactionList[2].created`, so the sender can fix all of them in one go.
    """

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {message}" if path else message for path, message in self.errors))

    def as_dict(self) -> dict:
        """JSON-ready form for API answers: {"errors": [{"field": …, "message": …}]}."""
        return {"errors": [{"field": path, "message": message} for path, message in self.errors]}


class TabularError(ValueError):
    """A CSV/XLSX file with at least one bad row: nothing was imported. `errors`: [(line, column, message)].

    Line numbers are those a spreadsheet shows (the header is line 1); column is the file's column name.
    """

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = list(errors)
        super().__init__(
            "; ".join(
                f"line {line}" + (f", column {column!r}" if column else "") + f": {message}"
                for line, column, message in self.errors
            )
        )

    def as_dict(self) -> dict:
        return {
            "errors": [{"line": line, "column": column, "message": message} for line, column, message in self.errors]
        }


class IllegalTransition(ValueError):
    """A state change the document state machine does not allow (apps.documents.states)."""


class StaleDocument(RuntimeError):
    """The document moved on (another worker or user changed its state) since it was read."""


class UnknownEntity(SchemaError):
    """The document names a legal entity the console does not know (or that is inactive)."""
