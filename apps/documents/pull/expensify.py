"""Expensify Integration Server pull: export approved reports (file job), download them, normalize.

Two jobs per pull (export + download) and one more after the commit (`mark_exported`). Expensify allows 50
jobs a minute per partner: pass `throttle` (e.g. the connectors' shared token bucket) and it is called before
every job. The cursor is a date: `approvedAfter` excludes reports approved on or before it, so the next
cursor is the day before the latest approval seen (the overlap is absorbed by idempotent intake and by the
`markedAsExported` filter once `mark_exported` ran).
"""

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import httpx

from apps.documents.normalize.expensify import ExpensifyConvention, normalize_expensify
from apps.documents.pull import (
    DEFAULT_TIMEOUT,
    PullBatch,
    PullError,
    collect,
    retry_after,
    transport_error,
)

PATH = "/Integration-Server/ExpensifyIntegrations"
DEFAULT_LABEL = "integration-console"
# Freemarker template rendering each report as the JSON object normalize_expensify reads (amounts in cents).
TEMPLATE = """[<#list reports as report>{"reportID":"${report.reportID}",
"reportName":"${report.reportName?json_string}","status":"${report.status}","currency":"${report.currency}","total":${report.total?c},
"accountEmail":"${report.accountEmail}","submitterName":"${(report.submitter.fullName)!""}",
"policyID":"${report.policyID}","submitted":"${report.submitted!""}","approved":"${report.approved!""}",
"managerEmail":"${report.managerEmail!""}","transactionList":[<#list report.transactionList as e>{
"transactionID":"${e.transactionID}","amount":${e.amount?c},"modifiedAmount":${(e.modifiedAmount!0)?c},
"convertedAmount":${(e.convertedAmount!0)?c},"currency":"${e.currency}",
"currencyConversionRate":"${(e.currencyConversionRate!1)?c}","created":"${e.created}",
"modifiedCreated":"${e.modifiedCreated!""}","merchant":"${e.merchant?json_string}",
"modifiedMerchant":"${(e.modifiedMerchant!"")?json_string}","category":"${e.category?json_string}",
"categoryGlCode":"${e.categoryGlCode!""}","tag":"${e.tag?json_string}","billable":${e.billable?c},
"reimbursable":${e.reimbursable?c},"taxAmount":${(e.taxAmount!0)?c},"taxCode":"${e.taxCode!""}",
"receiptID":"${e.receiptID!""}","receiptObject":{"url":"${(e.receiptObject.url)!""}"},
"comment":"${(e.comment!"")?json_string}","cardNumber":"${e.cardNumber!""}",
"units":{<#if e.units??>"count":${e.units.count?c},"rate":${e.units.rate?c},"unit":"${e.units.unit}"</#if>}
}<#sep>,</#list>]}<#sep>,</#list>]"""


class ExpensifyClient:
    """One partner credential against one Integration Server URL. Pure httpx, bounded timeouts."""

    def __init__(
        self,
        base_url: str,
        partner_user_id: str,
        partner_user_secret: str,
        *,
        timeout=DEFAULT_TIMEOUT,
        throttle: Callable[[], None] | None = None,
    ):
        self.url = base_url.rstrip("/") + PATH
        self._credentials = {"partnerUserID": partner_user_id, "partnerUserSecret": partner_user_secret}
        self._http = httpx.Client(timeout=timeout)  # one connection pool for the whole pull
        self.throttle, self.calls = throttle, 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:  # never the secret
        return f"ExpensifyClient({self.url!r}, partner={self._credentials['partnerUserID']!r})"

    def job(self, description: dict) -> httpx.Response:
        """Run one job; raise PullError for an error answer (Expensify reports errors in a JSON body)."""
        if self.throttle is not None:
            self.throttle()
        form = {"requestJobDescription": json.dumps({**description, "credentials": self._credentials})}
        self.calls += 1
        try:
            response = self._http.post(self.url, data=form)
        except httpx.HTTPError as error:
            raise transport_error(error, "Expensify") from None
        _raise_for_error(response)
        return response

    def export(
        self,
        *,
        approved_after: date | None = None,
        report_ids=(),
        exclude_label: str | None = None,
        mark_label: str | None = None,
    ) -> str:
        """Start a combinedReportData export of approved (or reimbursed) reports; return the file name."""
        filters = {}
        if approved_after:
            filters["approvedAfter"] = approved_after.isoformat()
        if report_ids:
            filters["reportIDList"] = ",".join(report_ids)
        if exclude_label:
            filters["markedAsExported"] = exclude_label
        description = {
            "type": "file",
            "onReceive": {"immediateResponse": ["returnRandomFileName"]},
            "inputSettings": {"type": "combinedReportData", "reportState": "APPROVED,REIMBURSED", "filters": filters},
            "outputSettings": {"fileExtension": "json"},
            "template": TEMPLATE,
        }
        if mark_label:
            description["onFinish"] = [{"actionName": "markAsExported", "label": mark_label}]
        return self.job(description).text.strip()

    def download(self, file_name: str) -> list:
        response = self.job({"type": "download", "fileName": file_name, "fileSystem": "integrationServer"})
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise PullError(
                "Expensify returned a file that is not JSON; check the export template.", transient=False
            ) from None

    def mark_exported(self, report_ids: list[str], label: str = DEFAULT_LABEL) -> None:
        """After the console committed them: label the reports so `markedAsExported` skips them from now on."""
        if report_ids:
            self.export(report_ids=report_ids, mark_label=label)


def _raise_for_error(response: httpx.Response) -> None:
    body = None
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            body = None
    code = body.get("responseCode", response.status_code) if isinstance(body, dict) else response.status_code
    if code in (200, None) and response.status_code < 400:
        return
    message = (body or {}).get("responseMessage", f"HTTP {response.status_code}") if isinstance(body, dict) else ""
    if code == 429 or response.status_code == 429 or "rate-limited" in message:
        raise PullError(f"Expensify: {message}", transient=True, retry_after=retry_after(response) or 60.0)
    if code in (401, 407) or response.status_code in (401, 403):
        raise PullError(
            "Expensify refused the partner credentials; update the connector's credential.", transient=False, auth=True
        )
    if code >= 500 or response.status_code >= 500:
        raise PullError(f"Expensify failed ({code}): {message}", transient=True, retry_after=retry_after(response))
    raise PullError(f"Expensify refused the request ({code}): {message}", transient=False)


def pull_expensify(
    client: ExpensifyClient, *, cursor: str | None, convention: ExpensifyConvention, label: str | None = DEFAULT_LABEL
) -> PullBatch:
    """Export approved reports after `cursor` (a date) not yet labelled `label`, and normalize them.

    Returns the batch with the next cursor; nothing is marked exported here — call
    `client.mark_exported(batch.source_ids, label)` after the batch committed.
    """
    approved_after = date.fromisoformat(cursor) if cursor else None
    reports = client.download(client.export(approved_after=approved_after, exclude_label=label))
    batch = collect(
        [reports if isinstance(reports, list) else []],  # one export = one page
        expand=lambda report: report,  # the export holds whole reports: nothing more to fetch
        normalize=lambda raw: normalize_expensify(raw, convention),
        source_id=lambda report, index: (
            str(report.get("reportID") or f"#{index}") if isinstance(report, dict) else f"#{index}"
        ),
        batch=PullBatch(cursor=cursor),
    )
    batch.cursor = _next_cursor(batch, approved_after)
    batch.calls = client.calls
    return batch


def _next_cursor(batch: PullBatch, approved_after: date | None) -> str | None:
    """The day before the latest approval — or before the earliest refused report's approval, so a report
    fixed on the platform is exported again (it carries no exported label)."""
    approvals = [p.document.approved_at.date() for p in batch.documents if p.document.approved_at]
    refused = [_approved_day(r.raw) for r in batch.invalid]
    if any(day is None for day in refused):
        return approved_after.isoformat() if approved_after else None
    candidate = min(refused) if refused else (max(approvals) if approvals else None)
    if candidate is None:
        return approved_after.isoformat() if approved_after else None
    return max(candidate - timedelta(days=1), approved_after or date.min).isoformat()


def _approved_day(report) -> date | None:
    if not isinstance(report, dict):
        return None
    try:
        return date.fromisoformat(str(report.get("approved", ""))[:10])
    except ValueError:
        return None
