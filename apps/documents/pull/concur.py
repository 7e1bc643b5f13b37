"""SAP Concur Expense v4 pull: approved reports page by page, then each report's expenses and allocations.

Bearer token (from the connector's credential, or `fetch_token` with the client's refresh token). Amounts are
JSON numbers in Concur: parsed as Decimal, never float. Cursor: the latest `approvalDate` seen (ISO text);
the next pull asks `approvedSince` it (inclusive: a report approved in the same second is not missed, the
repeat is absorbed by idempotent intake).
"""

import json
from collections.abc import Callable
from decimal import Decimal

import httpx

from apps.documents.normalize.concur import ConcurConvention, normalize_concur
from apps.documents.pull import (
    DEFAULT_TIMEOUT,
    PullBatch,
    PullError,
    collect,
    retry_after,
    transport_error,
)

REPORTS_PATH = "/expensereports/v4/reports"
USER_REPORT_PATH = "/expensereports/v4/users/{user}/context/TRAVELER/reports/{report}"


def fetch_token(
    base_url: str, *, client_id: str, client_secret: str, refresh_token: str = "", timeout=DEFAULT_TIMEOUT
) -> str:
    """An access token from Concur's OAuth2 token endpoint: the refresh-token grant (a company's app
    authorization), or the client-credentials grant when no refresh token is configured."""
    form = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}
    if refresh_token:
        form.update(grant_type="refresh_token", refresh_token=refresh_token)
    try:
        response = httpx.post(base_url.rstrip("/") + "/oauth2/v0/token", data=form, timeout=timeout)
    except httpx.HTTPError as error:
        raise transport_error(error, "Concur") from None
    if response.status_code != 200:
        raise PullError(
            "Concur refused the client credentials; update the connector's credential.",
            transient=response.status_code >= 500,
            auth=response.status_code < 500,
        )
    return response.json()["access_token"]


class ConcurClient:
    def __init__(
        self, base_url: str, access_token: str, *, timeout=DEFAULT_TIMEOUT, throttle: Callable[[], None] | None = None
    ):
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        self._http = httpx.Client(headers=headers, timeout=timeout)  # one connection pool for the whole pull
        self.throttle, self.calls = throttle, 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:  # never the token
        return f"ConcurClient({self.base_url!r})"

    def get(self, path: str, params: dict | None = None):
        if self.throttle is not None:
            self.throttle()
        self.calls += 1
        try:
            response = self._http.get(self.base_url + path, params=params)
        except httpx.HTTPError as error:
            raise transport_error(error, "Concur") from None
        _raise_for_status(response)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise PullError("Concur answered with something that is not JSON.", transient=True) from None

    def reports(self, *, approved_since: str | None, page_token: str | None, limit: int) -> tuple[list, str | None]:
        params = {"approvalStatusId": "A_APPR", "limit": limit}
        if approved_since:
            params["approvedSince"] = approved_since
        if page_token:
            params["pageToken"] = page_token
        page = self.get(REPORTS_PATH, params)
        return page.get("content") or [], page.get("nextPageToken")

    def expenses(self, user_id: str, report_id: str) -> list:
        return self.get(USER_REPORT_PATH.format(user=user_id, report=report_id) + "/expenses")

    def allocations(self, user_id: str, report_id: str, expense_id: str) -> list:
        path = USER_REPORT_PATH.format(user=user_id, report=report_id) + f"/expenses/{expense_id}/allocations"
        return self.get(path)


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429 or status >= 500:
        raise PullError(f"Concur answered {status}; will retry.", transient=True, retry_after=retry_after(response))
    if status in (401, 403):
        raise PullError(
            "Concur refused the access token; renew the connector's credential.", transient=False, auth=True
        )
    raise PullError(f"Concur refused the request ({status}).", transient=False)


def pull_concur(
    client: ConcurClient, *, cursor: str | None, convention: ConcurConvention, page_size: int = 50, max_pages: int = 100
) -> PullBatch:
    """Approved reports since `cursor` with their expenses and allocations, normalized. Reads at most
    `max_pages` pages (the cursor then stops at the last report read; the next pull continues)."""
    batch = collect(
        _report_pages(client, cursor, page_size, max_pages),
        expand=lambda report: _expand(client, report),
        normalize=lambda raw: normalize_concur(raw["report"], raw["expenses"], raw["allocations"], convention),
        source_id=lambda report, index: str(report.get("reportId") or f"#{index}"),
        batch=PullBatch(cursor=cursor),
    )
    dates = [str(p.raw["report"].get("approvalDate") or "") for p in batch.documents]
    refused = [str(r.raw.get("report", {}).get("approvalDate") or "") for r in batch.invalid]
    if refused:  # hold the cursor before the first refused report so it is read again once fixed
        batch.cursor = min(refused) or cursor
    elif dates:
        batch.cursor = max(max(dates), cursor or "")
    batch.calls = client.calls
    return batch


def _report_pages(client: ConcurClient, cursor: str | None, page_size: int, max_pages: int):
    token = None
    for _ in range(max_pages):
        reports, token = client.reports(approved_since=cursor, page_token=token, limit=page_size)
        yield [r for r in reports if isinstance(r, dict)]
        if not token:
            return


def _expand(client: ConcurClient, report: dict) -> dict:
    """A report with its expenses and their allocations (Concur serves them apart)."""
    user_id, report_id = report.get("userId", ""), report.get("reportId", "")
    expenses = client.expenses(user_id, report_id)
    allocations = {
        e["expenseId"]: client.allocations(user_id, report_id, e["expenseId"])
        for e in expenses
        if isinstance(e, dict) and e.get("expenseId") and e.get("allocationState") != "NOT_ALLOCATED"
    }
    return {"report": report, "expenses": expenses, "allocations": allocations}
