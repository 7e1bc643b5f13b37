"""Expensify Integration Server updaters: master data to a policy, and reports marked reimbursed.

An expense-platform connector of adapter `expensify` (base_url: the Integration Server endpoint, options
`partner_user_id` and the policies it serves) receives from the console:
- the **employee updater** (`update` / `employees`, CSV in the request parameter `data`),
- the **policy updater** (`update` / `policy`: `categories` merged; `tags` — cost centres and projects as two
  independent tag levels — which Expensify always replaces as a whole),
- the **report status updater** (`update` / `reportStatus`, REIMBURSED: the only status Expensify takes).
The policy updater has no tax block, so taxes are not pushed to Expensify (the generic webhook carries them).

    target = target_for(connector)                 # None when the connector cannot receive updaters
    policy = target.policy_for(entity_code)        # the entity's policy, or None
    result = run_job(target, {"type": "update", …}, data=csv_text)

Jobs share the pull's rate bucket (50 jobs a minute per partner). The partner secret is read for each job and
never appears in results, errors or logs.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field

import httpx

from apps.connectors.ratelimit import RateLimited, acquire

ADAPTER = "expensify"
PATH = "/Integration-Server/ExpensifyIntegrations"
RATE, BURST, MAX_WAIT = 45 / 60, 5, 65.0  # as the pull (apps.sync.services.pulls): one bucket per partner
EMPLOYEE_COLUMNS = ["EmployeeEmail", "ManagerEmail", "Admin", "EmployeeUserId"]
TAG_LEVELS = {"analytic_accounts": "Cost centre", "projects": "Project"}


@dataclass(frozen=True)
class Target:
    connector: str  # slug
    url: str
    partner_user_id: str
    policies: dict[str, str] = field(default_factory=dict)  # entity code → policy id
    timeout: float = 20.0

    def policy_for(self, entity_code: str) -> str | None:
        return self.policies.get(entity_code)


@dataclass(frozen=True)
class JobResult:
    ok: bool
    code: int | None  # Expensify's responseCode (HTTP status when the body says nothing)
    body: dict
    error: str = ""


def endpoint(base_url: str) -> str:
    """The connector's URL may be the host or the endpoint itself (as the connection test posts to it)."""
    url = base_url.rstrip("/")
    return url if url.endswith(PATH) else url + PATH


def target_for(connector) -> Target | None:
    """Where `connector` takes updater jobs, or None (not Expensify, disabled, no URL or partner)."""
    if connector is None or not connector.enabled or connector.adapter != ADAPTER or not connector.base_url:
        return None
    options = connector.options or {}
    if not options.get("partner_user_id"):
        return None
    policies = {str(code): str(pid) for pid, code in (options.get("entity_by_policy") or {}).items()}
    if options.get("policy_id"):  # one policy for every entity the connector serves that has none of its own
        for code in connector.entities.values_list("code", flat=True):
            policies.setdefault(code, str(options["policy_id"]))
    return Target(connector=connector.slug, url=endpoint(connector.base_url),
                  partner_user_id=str(options["partner_user_id"]), policies=policies,
                  timeout=float(options.get("timeout", 20.0)))  # fmt: skip


def run_job(target: Target, description: dict, *, data: str | None = None, sleep=time.sleep) -> JobResult:
    """Run one job; never raises for the platform's failures (the JobResult says what happened)."""
    from apps.connectors.errors import CredentialUnavailable
    from apps.connectors.models import Connector
    from apps.connectors.services.secrets import credential_secret_for_use

    try:
        acquire(f"expensify:{target.partner_user_id}", rate=RATE, burst=BURST, max_wait=MAX_WAIT, sleep=sleep)
    except RateLimited as error:
        return JobResult(False, 429, {}, str(error))
    try:
        secret = credential_secret_for_use(Connector.objects.get(slug=target.connector), "api_key")
    except (CredentialUnavailable, Connector.DoesNotExist) as error:
        return JobResult(False, None, {}, str(error)[:300])
    credentials = {"partnerUserID": target.partner_user_id, "partnerUserSecret": secret}
    form = {"requestJobDescription": json.dumps({**description, "credentials": credentials})}
    del secret, credentials
    if data is not None:
        form["data"] = data
    try:
        response = httpx.post(target.url, data=form, timeout=target.timeout)
    except httpx.HTTPError as error:
        return JobResult(False, None, {}, f"{type(error).__name__}: Expensify did not answer")
    finally:
        form.clear()
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("responseCode", response.status_code)
    if code == 200 and response.status_code < 400:
        return JobResult(True, code, body)
    if code == 207:  # partial success: the caller reads reportIDs / skippedReports / failedReports
        return JobResult(True, code, body)
    message = str(body.get("responseMessage") or f"HTTP {response.status_code}")[:300]
    return JobResult(False, code, body, f"Expensify answered {code}: {message}")


# --- job descriptions ----------------------------------------------------------------------------------------
def employees_job(policy_id: str, employees: list[dict]) -> tuple[dict, str]:
    """(description, CSV) of the employee updater for `employees` (as apps.reporting.services.masterdata shapes
    them). Someone without a manager submits to themselves, as the top of an approval chain does."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EMPLOYEE_COLUMNS)
    for employee in employees:
        email = employee["email"]
        writer.writerow([email, employee.get("manager_email") or email, "false", str(employee["id"])])
    description = {"type": "update", "inputSettings": {"type": "employees", "policyID": policy_id, "fileType": "csv"}}
    return description, out.getvalue()


def categories_job(policy_id: str, categories: list[dict]) -> dict:
    """Policy updater, categories merged (the others on the policy are left as they are). A category is named by
    its product's code — the value expenses carry and the category mapping reads — else by its name."""
    data = [{"name": c.get("code") or c["name"], "enabled": bool(c["active"])} for c in categories]
    return {"type": "update", "inputSettings": {"type": "policy", "policyID": policy_id},
            "categories": {"action": "merge", "data": data}}  # fmt: skip


def tag_levels(analytic: dict[int, dict], projects: dict[int, dict]) -> dict[str, list[dict]]:
    """The policy's two independent tag levels: cost centres (analytic accounts that are no project's) and
    projects, each named by its analytic account's code — the values expenses carry as "CC-SALES:PRJ-ALPHA"."""
    of_projects = {p.get("analytic_account_id") for p in projects.values()}
    centres = [{"name": a["code"] or a["name"], "enabled": bool(a["active"])}
               for i, a in sorted(analytic.items()) if i not in of_projects]  # fmt: skip
    named = []
    for _i, project in sorted(projects.items()):
        account = analytic.get(project.get("analytic_account_id")) or {}
        named.append({"name": account.get("code") or project["code"] or project["name"],
                      "enabled": bool(project["active"])})  # fmt: skip
    return {TAG_LEVELS["analytic_accounts"]: centres, TAG_LEVELS["projects"]: named}


def tags_job(policy_id: str, levels: dict[str, list[dict]]) -> dict:
    """Policy updater, tags: every level in full (Expensify replaces a policy's tags as a whole)."""
    data = [{"name": name, "tags": tags} for name, tags in levels.items()]
    return {"type": "update", "inputSettings": {"type": "policy", "policyID": policy_id},
            "tags": {"source": "inline", "data": data}}  # fmt: skip


def reimbursed_job(report_ids: list[str]) -> dict:
    return {"type": "update", "inputSettings": {"type": "reportStatus", "status": "REIMBURSED",
                                                "filters": {"reportIDList": ",".join(report_ids)}}}  # fmt: skip
