"""Demo data for `make run` (idempotent): fold what the demo seeded into the dashboard's rollup and publish what
is posted, so the dashboard and the reporting store show the demo at once (the schedules keep them current).

The demo webhook platform (`demo-platform`) gets somewhere to receive what the console sends back (reimbursement
states, master data): the inbox of the platform sandbox process (`/inbox/demo-platform` on the Expensify
sandbox, EXPENSIFY_SANDBOX_URL, port 8170 by default). `manage.py demo_pay` then marks entries paid in the Odoo
sandbox and runs the status flow, which confirms the documents and sends the states back.
"""

import os

from django.contrib.auth import get_user_model

from apps.connectors.models import Connector
from apps.connectors.services import connector_update
from apps.reporting.services.publication import publish_changes
from apps.reporting.services.rollup import ops_rollup

DEMO_PLATFORM = "demo-platform"
INBOX_PATH = "/inbox/demo-platform"


def inbox_url() -> str:
    return os.environ.get("EXPENSIFY_SANDBOX_URL", "http://127.0.0.1:8170").rstrip("/") + INBOX_PATH


def seed(stdout) -> None:
    _demo_platform_outbound(stdout)
    folded = ops_rollup()
    result = publish_changes(trigger="demo")
    stdout.write(f"reporting: {folded} ledger entries folded into the dashboard, {result.written} fact rows written")


def _demo_platform_outbound(stdout) -> None:
    """Point demo-platform's outbound webhooks at the sandbox inbox, unless someone already set a URL."""
    connector = Connector.objects.filter(slug=DEMO_PLATFORM).first()
    owner = get_user_model().objects.filter(username="itadmin").first()
    if connector is None or owner is None or connector.base_url:
        return
    reason = "Demo data (manage.py seed_demo): states and master data go back to the sandbox inbox"
    connector_update(connector=connector, actor=owner, data={"base_url": inbox_url()}, reason=reason)
    stdout.write(f"reporting: {DEMO_PLATFORM} sends its webhooks back to {inbox_url()}")


# --- demo_pay: a payment made in the sandbox Odoo --------------------------------------------------------------
PAY_FIELDS = {"account.move": "move_ids", "hr.expense.sheet": "sheet_ids", "hr.expense": "expense_ids"}


class DemoPayError(ValueError):
    """The payment cannot be made as asked (not the sandbox, nothing to pay, the sandbox refused)."""


def demo_pay(*, keys=(), limit: int = 5, token: str = "") -> list:
    """Mark posted documents paid in the Odoo sandbox, as the accountant's payment run would in Odoo: the ones
    named by `keys` (idempotency keys or source ids), else the `limit` oldest posted reimbursable ones.

    Uses the sandbox's admin endpoint (`POST /sandbox/pay`, X-Sandbox-Token: ODOO_SANDBOX_ADMIN_TOKEN), which
    exists in the sandbox only. Returns the documents paid; the status flow (schedule, or `demo_pay` itself)
    then reads the payment, confirms them and sends the state back to their platform."""
    import httpx
    from django.db.models import Q

    from apps.documents.models import Document
    from apps.documents.states import DocumentState
    from apps.reporting.odoo import odoo_connector
    from apps.reporting.services.status import reimbursable

    posted = Document.objects.filter(state=DocumentState.POSTED).exclude(odoo_ids=[]).select_related("entity")
    if keys:
        chosen = list(posted.filter(Q(idempotency_key__in=keys) | Q(source_id__in=keys)).order_by("id"))
    else:
        chosen = [d for d in posted.order_by("posted_at", "id")[: limit * 10] if reimbursable(d)][:limit]
    if not chosen:
        raise DemoPayError("No posted document to pay: post some first (e.g. run a demo flow).")
    by_url: dict[str, dict[str, list[int]]] = {}
    for document in chosen:
        connector = odoo_connector(document.entity)
        if connector is None or document.odoo_model not in PAY_FIELDS:
            raise DemoPayError(f"{document.source_id}: no Odoo sandbox connector for {document.entity.code}.")
        ids = by_url.setdefault(connector.base_url.rstrip("/"), {field: [] for field in PAY_FIELDS.values()})
        ids[PAY_FIELDS[document.odoo_model]].extend(int(i) for i in document.odoo_ids)
    for url, ids in by_url.items():
        try:
            response = httpx.post(f"{url}/sandbox/pay", json=ids, headers={"X-Sandbox-Token": token}, timeout=10)
        except httpx.HTTPError as error:
            raise DemoPayError(f"The Odoo sandbox at {url} did not answer ({type(error).__name__}).") from None
        if response.status_code == 403:
            raise DemoPayError(f"The Odoo sandbox at {url} refused the admin token: start it with --admin-token "
                               "and set ODOO_SANDBOX_ADMIN_TOKEN to the same value.")  # fmt: skip
        if response.status_code != 200:
            raise DemoPayError(f"The Odoo sandbox at {url} answered HTTP {response.status_code}: is it the sandbox?")
    return chosen
