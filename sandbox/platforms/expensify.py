"""Expensify Integration Server sandbox.

    POST /Integration-Server/ExpensifyIntegrations   form field requestJobDescription (JSON)

Jobs: `file` (export reports: inputSettings.type combinedReportData, reportState, filters reportIDList /
startDate / approvedAfter / markedAsExported, outputSettings.fileExtension json, onFinish markAsExported;
answers the generated file name) and `download` (fileName → the file). Credentials are checked on every job;
at most `--rate-limit` jobs per minute per partnerUserID (default 50, Expensify's limit). Errors answer
`{"responseCode": …, "responseMessage": …}`. The Freemarker `template` is required but not executed: the file
holds the reports as the console's template (apps.documents.pull.expensify.TEMPLATE) renders them.
Amounts are in cents, as Expensify exports them.

Getters (`type: get`): `policyList` and `policy` (inputSettings.policyIDList, fields categories / reportFields /
tags / tax — plus `employees`, a sandbox extension so tests and the demo can see what the employee updater did).
Updaters (`type: update`), as the Integration Server documents them:
- `policy` (inputSettings.policyID): `categories` {action merge|replace, data[{name, enabled, glCode, …}]},
  `tags` {data[{name: level, tags[{name, glCode, enabled}]}]} (inline, independent levels; replaces the policy's
  tags), `reportFields` {action, data}. Unknown policy → 404 "Policy not found"; malformed → 410.
- `employees` (inputSettings.policyID, fileType csv) with the CSV in the request parameter `data`: columns
  EmployeeEmail, ManagerEmail, Admin (required), EmployeeUserId, EmployeePayrollId, ForwardManagerEmail →
  {"responseCode": 200, "nbEmployees": n}; a missing column → 500 "Column … not found in CSV header".
- `reportStatus` (status REIMBURSED only; filters.reportIDList or startDate[/endDate]): Approved reports become
  Reimbursed; others are listed in `skippedReports` ("Report is in status '…'"), unknown ids in `failedReports`;
  responseCode 207 when any report was not updated.
The policy updater has no tax block (tax rates are read with the getter only), as in the real API.
Outbound webhooks of the console land in the shared inbox (`/inbox`, sandbox.platforms.server).
"""

import csv
import io
import json
import secrets
import time
from urllib.parse import parse_qs

from sandbox.platforms import seed
from sandbox.platforms.server import DataDir, JsonHandler, SlidingWindow, parse_args, serve

PATH = "/Integration-Server/ExpensifyIntegrations"
CREDENTIALS = {"partnerUserID": "aa_sandbox_partner", "partnerUserSecret": "sandbox-partner-secret"}
RATE_LIMIT_MESSAGE = "You have been rate-limited. Please wait before trying again."
STATUS_NAMES = {"APPROVED": "Approved", "SUBMITTED": "Processing", "REIMBURSED": "Reimbursed", "OPEN": "Open"}
CATEGORIES = ["TAXI", "MEALS", "HOTEL", "TRAIN", "MILEAGE"]
EMPLOYEE_COLUMNS = ("EmployeeEmail", "ManagerEmail", "Admin")
POLICY_FIELDS = ("categories", "reportFields", "tags", "tax", "employees")


def _policies() -> dict:
    """The seeded policies: the seed's categories, its two tag levels (cost centre, project), tax rates, and its
    employees submitting to the policy owner."""
    levels = [sorted({tag.split(":")[n] for tag in seed.TAGS if len(tag.split(":")) > n}) for n in (0, 1)]
    policies = {}
    for policy_id, (entity, currency) in seed.POLICIES.items():
        rates = sorted(set(seed.TAX_CODES[entity].values()))
        policies[policy_id] = {
            "name": f"Acme {entity}",
            "outputCurrency": currency,
            "owner": "admin@example.com",
            "type": "corporate",
            "categories": [{"name": name, "enabled": True} for name in CATEGORIES],
            "tags": [
                {"name": level, "tags": [{"name": tag, "enabled": True} for tag in tags]}
                for level, tags in zip(("Cost centre", "Project"), levels, strict=True)
            ],
            "reportFields": [],
            "tax": {
                "name": "Tax",
                "default": rates[0],
                "rates": [{"rateID": code, "name": code, "rate": _rate(code)} for code in rates],
            },
            "employees": {
                email: {"employeeEmail": email, "managerEmail": "admin@example.com", "admin": False}
                for email, _name in seed.EMPLOYEES[entity]
            },
        }
    return policies


def _rate(code: str) -> float:
    digits = code.rsplit("-", 1)[-1]
    return float(digits) if digits.isdigit() else 0.0


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
        if not data.exists("policies.json"):
            data.write("policies.json", _policies())

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

    # --- getters ----------------------------------------------------------------------------------------------
    def get(self, job: dict) -> tuple[int, dict]:
        settings = job.get("inputSettings") or {}
        policies = self.data.read("policies.json", {})
        if settings.get("type") == "policyList":
            listing = [{"id": pid, "name": p["name"], "outputCurrency": p["outputCurrency"], "owner": p["owner"],
                        "role": "admin", "type": p["type"]} for pid, p in sorted(policies.items())]  # fmt: skip
            return 200, {"responseCode": 200, "policyList": listing}
        if settings.get("type") == "policy":
            ids, fields = settings.get("policyIDList"), settings.get("fields") or ["categories", "reportFields", "tags"]
            if not isinstance(ids, list) or not ids:
                return 410, _error(410, "Required parameter 'policyIDList' is missing")
            if not isinstance(fields, list) or any(f not in POLICY_FIELDS for f in fields):
                return 410, _error(410, f"fields must be among {', '.join(POLICY_FIELDS)}")
            info = {pid: {f: policies[pid][f] for f in fields} for pid in ids if pid in policies}
            return 200, {"responseCode": 200, "policyInfo": info}
        return 410, _error(410, "Argument 'type' is missing or malformed")

    # --- updaters ---------------------------------------------------------------------------------------------
    def update(self, job: dict, form: dict) -> tuple[int, dict]:
        kind = (job.get("inputSettings") or {}).get("type")
        if kind == "policy":
            return self.update_policy(job)
        if kind == "employees":
            return self.update_employees(job, form)
        if kind == "reportStatus":
            return self.update_report_status(job)
        return 410, _error(410, "Argument 'inputSettings.type' is missing or malformed")

    def update_policy(self, job: dict) -> tuple[int, dict]:
        with self.data.lock:
            policies = self.data.read("policies.json", {})
            policy = policies.get((job.get("inputSettings") or {}).get("policyID"))
            if policy is None:
                return 404, _error(404, "Policy not found")
            for field in ("categories", "reportFields"):
                if field in job:
                    merged = _merge(policy[field], job[field], field)
                    if merged is None:
                        return 410, _error(410, f"'{field}' object malformed")
                    policy[field] = merged
            if "tags" in job:
                tags = _tag_levels(job["tags"])
                if tags is None:
                    return 410, _error(410, "'tags' object malformed (the sandbox takes inline tags)")
                policy["tags"] = tags
            self.data.write("policies.json", policies)
        return 200, {"responseCode": 200}

    def update_employees(self, job: dict, form: dict) -> tuple[int, dict]:
        settings = job.get("inputSettings") or {}
        if settings.get("fileType") != "csv":
            return 410, _error(410, "inputSettings.fileType must be csv")
        rows = list(csv.DictReader(io.StringIO((form.get("data") or [""])[0])))
        header = rows[0].keys() if rows else ()
        missing = next((column for column in EMPLOYEE_COLUMNS if column not in header), None)
        if missing:
            return 500, _error(500, f"Column {missing} not found in CSV header")
        with self.data.lock:
            policies = self.data.read("policies.json", {})
            policy = policies.get(settings.get("policyID"))
            if policy is None:
                return 404, _error(404, "Policy not found")
            for row in rows:
                email = (row["EmployeeEmail"] or "").strip().lower()
                if "@" not in email or "@" not in (row["ManagerEmail"] or ""):
                    return 500, _error(500, f"Invalid email address on the line of {email or 'an empty email'}")
                policy["employees"][email] = {
                    "employeeEmail": email, "managerEmail": row["ManagerEmail"].strip().lower(),
                    "admin": (row["Admin"] or "").strip().lower() == "true",
                    "employeeUserID": row.get("EmployeeUserId") or "", "payrollID": row.get("EmployeePayrollId") or "",
                    "forwardManagerEmail": row.get("ForwardManagerEmail") or "",
                }  # fmt: skip
            self.data.write("policies.json", policies)
        return 200, {"responseCode": 200, "nbEmployees": len(policy["employees"])}

    def update_report_status(self, job: dict) -> tuple[int, dict]:
        settings = job.get("inputSettings") or {}
        if settings.get("status") != "REIMBURSED":
            return 410, _error(410, f"Status '{settings.get('status')}' is not supported")
        filters = settings.get("filters") or {}
        ids = [i.strip() for i in str(filters.get("reportIDList") or "").split(",") if i.strip()]
        if not ids and not filters.get("startDate"):
            return 410, _error(410, "filters.reportIDList or filters.startDate is required")
        done, skipped, failed = [], [], []
        with self.data.lock:
            reports = self.data.read("reports.json")
            by_id = {r["reportID"]: r for r in reports}
            chosen = [by_id.get(i) for i in ids] if ids else [r for r in reports if _in_dates(r, filters)]
            for report_id, report in zip(ids or [r["reportID"] for r in chosen], chosen, strict=True):
                if report is None:
                    failed.append({"reportID": report_id, "reason": "Report not found"})
                elif report["status"] != "Approved":
                    skipped.append({"reportID": report_id, "reason": f"Report is in status '{report['status']}'"})
                else:
                    report.update(status="Reimbursed", reimbursed=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()))
                    done.append(report_id)
            self.data.write("reports.json", reports)
        body = {"responseCode": 207 if skipped or failed else 200, "reportIDs": done}
        if skipped:
            body["skippedReports"] = skipped
        if failed:
            body["failedReports"] = failed
        return body["responseCode"], body


def _error(code: int, message: str) -> dict:
    return {"responseCode": code, "responseMessage": message}


def _merge(current: list, block, field: str) -> list | None:
    """`categories` / `reportFields` after a merge or replace; None when the block is malformed."""
    if not isinstance(block, dict) or block.get("action") not in ("merge", "replace"):
        return None
    data = block.get("data")
    if not isinstance(data, list) or not all(isinstance(d, dict) and isinstance(d.get("name"), str) for d in data):
        return None
    if field == "categories" and not all(isinstance(d.get("enabled", True), bool) for d in data):
        return None
    merged = {} if block["action"] == "replace" else {item["name"]: item for item in current}
    for item in data:
        merged[item["name"]] = {**merged.get(item["name"], {}), **item}
    return list(merged.values())


def _tag_levels(block) -> list | None:
    if not isinstance(block, dict) or block.get("source", "inline") != "inline":
        return None
    levels = block.get("data")
    if not isinstance(levels, list) or not levels:
        return None
    out = []
    for level in levels:
        tags = level.get("tags") if isinstance(level, dict) else None
        if not isinstance(tags, list) or not all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags):
            return None
        out.append({"name": str(level.get("name") or "Tag"),
                    "tags": [{"enabled": True, **t} for t in tags]})  # fmt: skip
    return out


def _in_dates(report: dict, filters: dict) -> bool:
    day = report["submitted"][:10]
    return day >= filters["startDate"] and (not filters.get("endDate") or day <= filters["endDate"])


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
        if self.is_inbox():
            return self.inbox_get(self.server.state.data)
        return self.send_json(404, {"responseCode": 404, "responseMessage": "Not found"})

    def do_POST(self):
        if self.is_inbox():
            return self.inbox_post(self.server.state.data)
        if self.path.split("?")[0] != PATH:
            return self.send_json(404, {"responseCode": 404, "responseMessage": "Not found"})
        form = parse_qs(self.read_body().decode("utf-8", "replace"))
        try:
            job = json.loads(form.get("requestJobDescription", [""])[0])
        except ValueError:
            return self.send_json(
                500, {"responseCode": 500, "responseMessage": "requestJobDescription is not valid JSON"}
            )
        status, body = self.run(job, form)
        if isinstance(body, str):
            return self.send_bytes(status, body.encode(), "text/plain")
        return self.send_json(status, body)

    def run(self, job: dict, form: dict) -> tuple[int, dict | str]:
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
        if job.get("type") == "get":
            return state.get(job)
        if job.get("type") == "update":
            return state.update(job, form)
        return 410, {"responseCode": 410, "responseMessage": f"Unsupported job type {job.get('type')!r}"}


def _safe(name) -> bool:
    return isinstance(name, str) and name.startswith("export") and name.replace(".", "").isalnum()


def main() -> None:
    args = parse_args("Expensify Integration Server sandbox", 8170)
    state = ExpensifyState(DataDir(args.data), args.reports, args.rate_limit or 50)
    serve(Handler, args, state=state)


if __name__ == "__main__":
    main()
