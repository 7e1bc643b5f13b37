"""Domain errors of the worklist: each carries a message a finance user can act on (and field errors)."""


class WorklistError(Exception):
    """Refused or impossible worklist operation; `str(error)` is safe to show to the user."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
