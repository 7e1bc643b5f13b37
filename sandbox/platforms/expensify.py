"""Expensify Integration Server sandbox.

    POST /Integration-Server/ExpensifyIntegrations   form field requestJobDescription (JSON)

Jobs: `file` (export reports: inputSettings.type combinedReportData, reportState, filters reportIDList /
startDate / approvedAfter / markedAsExported, outputSettings.fileExtension json, onFinish markAsExported;
answers the generated file name) and `download` (fileName → the file). Credentials are checked on every job;
at most `--rate-limit` jobs per minute per partnerUserID (default 50, Expensify's limit). Errors answer
`{"responseCode": …, "responseMessage": …}`. The Freemarker `template` is required but not executed: the file
holds the reports as the console's template (apps.documents.pull.expensify.TEMPLATE) renders them.
Amounts are in cents, as Expensify exports them.
"""

import json
import secrets
from urllib.parse import parse_qs

from sandbox.platforms import seed
from sandbox.platforms.server import DataDir, JsonHandler, SlidingWindow, parse_args, serve

PATH = "/Integration-Server/ExpensifyIntegrations"
CREDENTIALS = {"partnerUserID": "aa_sandbox_partner", "partnerUserSecret": "sandbox-partner-secret"}
RATE_LIMIT_MESSAGE = "You have been rate-limited. Please wait before trying again."
STATUS_NAMES = {"APPROVED": "Approved", "SUBMITTED": "Processing", "REIMBURSED": "Reimbursed", "OPEN": "Open"}


def _report(raw: dict) -> dict:
    """A seeded report in the combinedReportData shape our template renders (amounts in cents)."""
    lines = [_transaction(line) for line in raw["lines"]]
    return {
        "reportID": raw["id"],
        "reportName": raw["title"],
        "status": STATUS_NAMES[raw["status"]],
        "currency": raw["currency"],
        "total": sum(t["convertedAmount"] or t["amount"] for t in lines),
        "accountEmail": raw["employee"]["email"],
        "submitterName": raw["employee"]["name"],
        "policyID": raw["policy"],
        "submitted": (raw["approved_at"]).strftime("%Y-%m-%d %H:%M:%S"),
        "approved": raw["approved_at"].strftime("%Y-%m-%d %H:%M:%S") if raw["status"] == "APPROVED" else "",
        "managerEmail": "manager@example.com",
        "transactionList": lines,
        "exportLabels": [],
    }


def _transaction(line: dict) -> dict:
    foreign = line.get("foreign")
    amount = line["cents"]
    transaction = {
        "transactionID": line["id"],
        "amount": amount,
        "modifiedAmount": 0,
        "currency": foreign or line["currency"],
        "convertedAmount": 0,
        "currencyConversionRate": 1,
        "created": line["date"],
        "modifiedCreated": "",
        "merchant": line["merchant"],
        "modifiedMerchant": "",
        "mcc": "",
        "category": line["category"],
        "categoryGlCode": "",
        "tag": line["tag"],
        "billable": False,
        "reimbursable": line["reimbursable"],
        "taxAmount": 0,
        "taxName": "",
        "taxCode": line["tax_code"],
        "receiptID": "",
        "receiptObject": {},
        "comment": "",
        "cardNumber": line.get("card", ""),
        "bank": "Amex" if line.get("card") else "",
        "units": line.get("units", {}),
    }
    if foreign:
        transaction.update(convertedAmount=round(amount * float(line["rate"])), currencyConversionRate=line["rate"])
    if line["receipt"]:
        transaction.update(
            receiptID=f"rcpt-{line['id']}", receiptObject={"url": f"https://receipts.invalid/{line['id']}.jpg"}
        )
    return transaction


class ExpensifyState:
    def __init__(self, data: DataDir, reports: int, rate_limit: int):
        self.data = data
        self.window = SlidingWindow(rate_limit)
        if not data.exists("reports.json"):
            data.write("reports.json", [_report(r) for r in seed.generate(reports)])
        if not data.exists("credentials.json"):
            data.write("credentials.json", CREDENTIALS)

    def export(self, job: dict) -> tuple[int, dict | str]:
        settings = job.get("inputSettings") or {}
        if settings.get("type") != "combinedReportData":
            return 410, {"responseCode": 410, "responseMessage": "inputSettings.type must be combinedReportData"}
        if not job.get("template"):
            return 410, {"responseCode": 410, "responseMessage": "A template is required to export reports."}
        with self.data.lock:
            reports = self.data.read("reports.json")
            chosen = [r for r in reports if _matches(r, settings)]
            label = next(
                (a.get("label") for a in job.get("onFinish") or [] if a.get("actionName") == "markAsExported"), None
            )
            if label:
                for report in chosen:
                    report["exportLabels"] = sorted({*report["exportLabels"], label})
                self.data.write("reports.json", reports)
            name = f"export{secrets.token_hex(8)}.json"
            self.data.write(f"file-{name}", [{k: v for k, v in r.items() if k != "exportLabels"} for r in chosen])
        return 200, name


def _matches(report: dict, settings: dict) -> bool:
    states = {s.strip().upper() for s in str(settings.get("reportState") or "").split(",") if s.strip()}
    if states and report["status"].upper() not in states:
        return False
    filters = settings.get("filters") or {}
    ids = {i.strip() for i in str(filters.get("reportIDList") or "").split(",") if i.strip()}
    if ids and report["reportID"] not in ids:
        return False
    if filters.get("markedAsExported") and filters["markedAsExported"] in report["exportLabels"]:
        return False
    approved = report["approved"][:10]
    if filters.get("approvedAfter") and (not approved or approved <= filters["approvedAfter"]):
        return False  # Expensify: "Filters out all reports approved before, or on that date"
    return not (filters.get("startDate") and report["submitted"][:10] < filters["startDate"])


class Handler(JsonHandler):
    def do_GET(self):
        if self.path == "/healthz":
            return self.send_json(200, {"status": "ok"})
        return self.send_json(404, {"responseCode": 404, "responseMessage": "Not found"})

    def do_POST(self):
        if self.path.split("?")[0] != PATH:
            return self.send_json(404, {"responseCode": 404, "responseMessage": "Not found"})
        form = parse_qs(self.read_body().decode("utf-8", "replace"))
        try:
            job = json.loads(form.get("requestJobDescription", [""])[0])
        except ValueError:
            return self.send_json(
                500, {"responseCode": 500, "responseMessage": "requestJobDescription is not valid JSON"}
            )
        status, body = self.run(job)
        if isinstance(body, str):
            return self.send_bytes(status, body.encode(), "text/plain")
        return self.send_json(status, body)

    def run(self, job: dict) -> tuple[int, dict | str]:
        state: ExpensifyState = self.server.state
        credentials = job.get("credentials") or {}
        if credentials != state.data.read("credentials.json"):
            return 401, {"responseCode": 401, "responseMessage": "Incorrect partnerUserID or partnerUserSecret"}
        if not state.window.allow(credentials["partnerUserID"]):
            return 429, {"responseCode": 429, "responseMessage": RATE_LIMIT_MESSAGE}
        if job.get("type") == "file":
            return state.export(job)
        if job.get("type") == "download":
            content = state.data.read(f"file-{job.get('fileName', '')}") if _safe(job.get("fileName")) else None
            if content is None:
                return 404, {"responseCode": 404, "responseMessage": "File not found"}
            return 200, json.dumps(content)
        return 410, {"responseCode": 410, "responseMessage": f"Unsupported job type {job.get('type')!r}"}


def _safe(name) -> bool:
    return isinstance(name, str) and name.startswith("export") and name.replace(".", "").isalnum()


def main() -> None:
    args = parse_args("Expensify Integration Server sandbox", 8170)
    state = ExpensifyState(DataDir(args.data), args.reports, args.rate_limit or 50)
    serve(Handler, args, state=state)


if __name__ == "__main__":
    main()
