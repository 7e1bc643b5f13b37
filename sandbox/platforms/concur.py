"""SAP Concur Expense v4 sandbox (bearer token, JSON, paging tokens).

    POST /oauth2/v0/token                                   client_id, client_secret, grant_type=refresh_token
    GET  /expensereports/v4/reports?approvalStatusId=A_APPR&approvedSince=ISO&limit=N&pageToken=T
         → {"content": [report…], "nextPageToken": "…" | null}        (listing: sandbox-defined, see below)
    GET  /expensereports/v4/users/{userID}/context/{TRAVELER|MANAGER}/reports/{reportId}
    GET  …/reports/{reportId}/expenses                      → [expense…]
    GET  …/reports/{reportId}/expenses/{expenseId}/allocations → [allocation…]

Expense and allocation shapes follow developer.concur.com v4 (money as {value, currencyCode},
exchangeRate{value, operation}, expenseType / paymentType {id, name, code}, allocations with percentage and
customData). Concur v4 documents no company-wide report listing; `/expensereports/v4/reports` stands in for
the query the real integration uses to find approved reports. Amounts are JSON numbers, as Concur sends them.
`--rate-limit` requests per minute per token (default 600) answer 429 with Retry-After.
"""

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from sandbox.platforms import seed
from sandbox.platforms.server import DataDir, JsonHandler, SlidingWindow, parse_args, serve

CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-client-secret", "refresh_token": "sandbox-refresh"}
STATIC_TOKEN = "sandbox-access-token"  # noqa: S105 - the sandbox's published demo token
USER_PATH = re.compile(
    r"^/expensereports/v4/users/(?P<user>[^/]+)/context/(?P<ctx>TRAVELER|MANAGER)/reports/(?P<report>[^/]+)"
    r"(?:/expenses(?:/(?P<expense>[^/]+)/allocations)?)?$"
)
PAYMENT_TYPES = {
    True: {"id": "CASH", "name": "Cash", "code": "CASH"},
    False: {"id": "CBCP", "name": "Company Billed/Company Paid", "code": "CBCP"},
}


def _money(cents: int, currency: str) -> dict:
    return {"value": cents / 100, "currencyCode": currency}


def _documents(raw: dict) -> dict:
    user_id = f"user-{raw['employee']['email'].split('@')[0]}"
    expenses, allocations = [], {}
    for line in raw["lines"]:
        expense_id = f"E{line['id']}"
        currency = line.get("foreign") or line["currency"]
        posted = round(line["cents"] * float(line.get("rate", 1)))
        expenses.append(
            {
                "expenseId": expense_id,
                "transactionDate": line["date"],
                "transactionAmount": _money(line["cents"], currency),
                "postedAmount": _money(posted, raw["currency"]),
                "approvedAmount": _money(posted, raw["currency"]),
                "claimedAmount": _money(posted, raw["currency"]),
                "exchangeRate": {"value": float(line.get("rate", 1)), "operation": "MULTIPLY"},
                "expenseType": {"id": line["category"], "name": line["category"].title(), "code": line["category"]},
                "paymentType": PAYMENT_TYPES[line["reimbursable"]],
                "vendor": {"name": line["merchant"]},
                "location": {"name": ""},
                "isPersonalExpense": False,
                "businessPurpose": "",
                "receiptImageId": f"img-{line['id']}" if line["receipt"] else None,
                "ereceiptImageId": None,
                "allocationState": "FULLY_ALLOCATED",
                "allocationSetId": f"AS{line['id']}",
                "customData": [{"id": "custom9", "value": line["tax_code"]}] if line["tax_code"] else [],
            }
        )
        allocations[expense_id] = _allocations(expense_id, line, posted, raw["currency"])
    report = {
        "reportId": raw["id"],
        "name": raw["title"],
        "userId": user_id,
        "policyId": raw["policy"],
        "currencyCode": raw["currency"],
        "approvalStatusId": "A_APPR" if raw["status"] == "APPROVED" else "A_PEND",
        "approvalStatus": "Approved" if raw["status"] == "APPROVED" else "Submitted & Pending Approval",
        "approvalDate": raw["approved_at"].isoformat().replace("+00:00", "Z") if raw["status"] == "APPROVED" else None,
        "owner": {"email": raw["employee"]["email"], "name": raw["employee"]["name"], "employeeId": user_id},
        "reportTotal": _money(sum(int(e["postedAmount"]["value"] * 100 + 0.5) for e in expenses), raw["currency"]),
        "customData": [{"id": "orgUnit1", "value": raw["entity"]}],
    }
    return {"report": report, "expenses": expenses, "allocations": allocations}


def _allocations(expense_id: str, line: dict, posted: int, currency: str) -> list[dict]:
    parts = line["tag"].split(":")
    custom = [{"id": "custom1", "value": parts[0]}] + ([{"id": "custom2", "value": parts[1]}] if len(parts) > 1 else [])
    if posted % 2 == 0 and line["category"] == "HOTEL":  # split hotel nights 60/40 between two cost centres
        other = [{"id": "custom1", "value": "CC-RD" if parts[0] != "CC-RD" else "CC-SALES"}]
        return [
            {
                "allocationId": f"A{expense_id}-1",
                "expenseId": expense_id,
                "percentage": 60.0,
                "allocationAmount": _money(posted * 6 // 10, currency),
                "customData": custom,
                "isPercentEdited": True,
            },
            {
                "allocationId": f"A{expense_id}-2",
                "expenseId": expense_id,
                "percentage": 40.0,
                "allocationAmount": _money(posted - posted * 6 // 10, currency),
                "customData": other,
                "isPercentEdited": True,
            },
        ]
    return [
        {
            "allocationId": f"A{expense_id}-1",
            "expenseId": expense_id,
            "percentage": 100.0,
            "allocationAmount": _money(posted, currency),
            "customData": custom,
            "isPercentEdited": False,
        }
    ]


class ConcurState:
    def __init__(self, data: DataDir, reports: int, rate_limit: int):
        self.data = data
        self.window = SlidingWindow(rate_limit)
        if not data.exists("reports.json"):
            data.write("reports.json", [_documents(r) for r in seed.generate(reports, seed=11)])
        if not data.exists("client.json"):
            data.write("client.json", {**CLIENT, "tokens": [STATIC_TOKEN]})

    def token(self, form: dict) -> tuple[int, dict]:
        client = self.data.read("client.json")
        if any(form.get(k, [""])[0] != client[k] for k in ("client_id", "client_secret", "refresh_token")):
            return 401, {"error": "invalid_client", "error_description": "Invalid client credentials"}
        token = secrets.token_urlsafe(24)
        with self.data.lock:
            client = self.data.read("client.json")
            client["tokens"] = [*client["tokens"][-20:], token]
            self.data.write("client.json", client)
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": client["refresh_token"],
        }

    def authorised(self, header: str) -> str | None:
        token = header[7:] if header.startswith("Bearer ") else ""
        return token if token and token in self.data.read("client.json")["tokens"] else None

    def list_reports(self, query: dict) -> tuple[int, dict]:
        status = query.get("approvalStatusId", ["A_APPR"])[0]
        since = query.get("approvedSince", [""])[0]
        limit = max(1, min(int(query.get("limit", ["25"])[0] or 25), 100))
        offset = int(query.get("pageToken", ["0"])[0] or 0)
        reports = [d["report"] for d in self.data.read("reports.json") if d["report"]["approvalStatusId"] == status]
        reports = sorted(
            (r for r in reports if not since or (r["approvalDate"] or "") >= since),
            key=lambda r: (r["approvalDate"] or "", r["reportId"]),
        )
        page = reports[offset : offset + limit]
        more = offset + limit < len(reports)
        return 200, {"content": page, "nextPageToken": str(offset + limit) if more else None}

    def user_resource(self, match: re.Match, path: str) -> tuple[int, object]:
        found = next((d for d in self.data.read("reports.json") if d["report"]["reportId"] == match["report"]), None)
        if found is None or found["report"]["userId"] != match["user"]:
            return 404, {"errorId": "NOT_FOUND", "errorMessage": "The report was not found for this user."}
        if match["expense"]:
            if match["expense"] not in found["allocations"]:
                return 404, {"errorId": "NOT_FOUND", "errorMessage": "The expense was not found."}
            return 200, found["allocations"][match["expense"]]
        return 200, found["expenses"] if path.endswith("/expenses") else found["report"]


class Handler(JsonHandler):
    def do_POST(self):
        if self.path != "/oauth2/v0/token":
            return self.send_json(404, {"errorId": "NOT_FOUND", "errorMessage": "Not found"})
        status, body = self.server.state.token(parse_qs(self.read_body().decode("utf-8", "replace")))
        return self.send_json(status, body)

    def do_GET(self):
        state: ConcurState = self.server.state
        url = urlsplit(self.path)
        if url.path == "/healthz":
            return self.send_json(200, {"status": "ok"})
        token = state.authorised(self.headers.get("Authorization", ""))
        if token is None:
            return self.send_json(401, {"errorId": "UNAUTHORIZED", "errorMessage": "Invalid or expired access token"})
        if not state.window.allow(token):
            return self.send_json(
                429,
                {"errorId": "TOO_MANY_REQUESTS", "errorMessage": "Rate limit exceeded"},
                headers={"Retry-After": "1"},
            )
        if url.path == "/expensereports/v4/reports":
            return self.send_json(*state.list_reports(parse_qs(url.query)))
        match = USER_PATH.match(url.path)
        if match is None:
            return self.send_json(404, {"errorId": "NOT_FOUND", "errorMessage": "Not found"})
        return self.send_json(*state.user_resource(match, url.path))


def main() -> None:
    args = parse_args("SAP Concur Expense v4 sandbox", 8171)
    state = ConcurState(DataDir(args.data), args.reports, args.rate_limit or 600)
    serve(Handler, args, state=state)


if __name__ == "__main__":
    main()
