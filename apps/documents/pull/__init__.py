"""Pull adapters: fetch approved reports from an expense platform and normalize them (no database access).

A pull returns a `PullBatch`: the documents (each with its raw platform payload, for the ledger), the
reports that failed normalization (for `schema_invalid` worklist items) and the cursor to persist — by the
caller, only after the batch committed (a crash before that re-reads the same reports; intake is idempotent).
Errors: `PullError(transient=True)` for timeouts, 429 and 5xx (retry, honouring `retry_after`), `transient=False`
for bad credentials and refused requests (pause the flow, tell an admin).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from apps.documents.canonical import CanonicalDocument
from apps.documents.errors import SchemaError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class PullError(RuntimeError):
    """A platform call failed. `transient`: worth retrying; `auth`: the credentials were refused."""

    def __init__(self, message: str, *, transient: bool, auth: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.transient, self.auth, self.retry_after = transient, auth, retry_after


@dataclass
class PulledDocument:
    document: CanonicalDocument
    raw: dict


@dataclass
class RefusedReport:
    source_id: str
    raw: dict
    error: SchemaError


@dataclass
class PullBatch:
    documents: list[PulledDocument] = field(default_factory=list)
    invalid: list[RefusedReport] = field(default_factory=list)
    cursor: str | None = None  # persist after commit; pass back on the next pull
    calls: int = 0  # platform calls made (for run statistics and the rate-limit budget)

    @property
    def source_ids(self) -> list[str]:
        return [p.document.source_id for p in self.documents]


def transport_error(error: httpx.HTTPError, system: str) -> PullError:
    """Timeouts and connection failures are transient; the message never carries credentials."""
    return PullError(f"{system} did not answer ({type(error).__name__}); will retry.", transient=True)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def collect(
    pages: Iterable[Iterable],
    *,
    expand: Callable[[object], dict],
    normalize: Callable[[dict], CanonicalDocument],
    source_id: Callable[[object, int], str],
    batch: PullBatch,
) -> PullBatch:
    """The loop every pull shares: for each item of each page (pages are read lazily, so a platform error stops
    the pull where it is), `expand` it into the raw payload (more platform calls when the platform splits a
    report), `normalize` that into a canonical document, or keep it apart in `batch.invalid` with its errors."""
    for page in pages:
        for index, item in enumerate(page):
            raw = expand(item)
            try:
                batch.documents.append(PulledDocument(normalize(raw), raw))
            except SchemaError as error:
                batch.invalid.append(RefusedReport(source_id(item, index), raw, error))
    return batch
