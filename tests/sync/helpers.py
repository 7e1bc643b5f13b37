"""Building blocks for sync tests: connectors, active mappings + master cache, flows, signed webhooks."""

import json
import time
import uuid

from django.utils import timezone

from apps.connectors.services.connectors import connector_create
from apps.documents.webhooks import sign
from apps.mappings.models import MappingRule, MappingSet, MappingSetVersion, MasterRecord
from apps.sync.models import Flow

WEBHOOK_SECRET = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLXN5bmMtdGVzdHMtMDEyMzQ1"


def odoo_connector(admin, *, url, database, login, password, slug="odoo-target", entities=(), protocol="xmlrpc",
                   secret_kind="password"):  # noqa: S107 - a credential kind, not a password  # fmt: skip
    return connector_create(actor=admin, data={"slug": slug, "name": slug, "kind": "odoo", "adapter": "odoo",
                                               "base_url": url, "database": database, "protocol": protocol,
                                               "options": {"login": login, "timeout": 20}},
                            entities=entities, reason="test", initial_secret=password,
                            initial_secret_kind=secret_kind)  # fmt: skip


def concur_connector(admin, *, url, entities, slug="concur"):
    """A Concur v4 connector on the platform sandbox at `url` (OAuth client + refresh token from its seed)."""
    from sandbox.platforms.concur import CLIENT

    secret = json.dumps({"client_secret": CLIENT["client_secret"], "refresh_token": CLIENT["refresh_token"]})
    return connector_create(actor=admin, data={"slug": slug, "name": "Concur", "kind": "expense_platform",
                                               "adapter": "concur", "base_url": url,
                                               "options": {"client_id": CLIENT["client_id"],
                                                           "entity_custom_field": "orgUnit1",
                                                           "tax_code_field": "custom9"}},
                            entities=list(entities), reason="test", initial_secret=secret,
                            initial_secret_kind="oauth_client")  # fmt: skip


def webhook_connector(admin, *, slug="platform", entities=(), secret=WEBHOOK_SECRET):
    return connector_create(actor=admin, data={"slug": slug, "name": slug, "kind": "expense_platform",
                                               "adapter": "generic_webhook", "options": {}},
                            entities=entities, reason="test", initial_secret=secret,
                            initial_secret_kind="webhook_secret")  # fmt: skip


def master(entity, kind, odoo_id, *, code="", name="", data=None):
    MasterRecord.objects.update_or_create(
        entity=entity, kind=kind, odoo_id=odoo_id,
        defaults={"code": code, "name": name or code, "company_id": entity.odoo_company_id, "active": True,
                  "data": data or {}, "digest": uuid.uuid4().hex, "changed_at": timezone.now()},
    )  # fmt: skip


def active_mapping(entity, dimension, owner, rules, *, auto_match=False):
    """An approved (active) version of the entity's set of `dimension` with rules [(source, model, id)]."""
    defaults = {"name": f"{entity.code} {dimension}", "owner": owner}
    mapping_set, _ = MappingSet.objects.get_or_create(entity=entity, dimension=dimension, defaults=defaults)
    mapping_set.versions.filter(status="active").update(status="retired", effective_to=timezone.localdate(),
                                                          retired_at=timezone.now())  # fmt: skip
    version = MappingSetVersion.objects.create(mapping_set=mapping_set, number=mapping_set.versions.count() + 1,
                                               status="active", auto_match=auto_match, author=owner,
                                               activated_at=timezone.now())  # fmt: skip
    for position, (source, model, target) in enumerate(rules):
        MappingRule.objects.create(version=version, position=position, source_value=source, target_model=model,
                                   target_id=target)  # fmt: skip
    return version


def flow(source, target, entities, *, slug="expenses", **fields):
    item = Flow.objects.create(name=slug, slug=slug, source=source, target=target, **fields)
    item.entities.set(entities)
    return item


def signed(body: dict | bytes, *, secret=WEBHOOK_SECRET, msg_id=None, timestamp=None) -> tuple[bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = sign(secret, msg_id or f"msg_{uuid.uuid4().hex}", int(timestamp or time.time()), raw)
    return raw, {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def report(source_id="R-1001", *, entity="FR", email="someone@example.com", currency="EUR", revision=1,
           lines=None, **extra) -> dict:  # fmt: skip
    """The minimal report of issue 7 (lines overridable)."""
    lines = lines or [{"id": f"{source_id}-1", "date": "2026-11-20", "amount": "42.50", "currency": currency,
                       "category": "TAXI", "tax_code": "FR-20", "merchant": "G7", "project": "PRJ-ALPHA",
                       "cost_centre": "CC-SALES", "receipt": True, "payment": "employee"}]  # fmt: skip
    return {"type": "expense_report", "id": source_id, "revision": revision, "entity": entity,
            "employee": {"email": email}, "currency": currency, "approved_at": "2026-11-28T10:00:00Z",
            "lines": lines, **extra}  # fmt: skip


def line(line_id, *, amount="42.50", currency="EUR", category="TAXI", tax_code="FR-20", merchant="G7",
         project="PRJ-ALPHA", cost_centre="CC-SALES", receipt=True, payment="employee", date="2026-11-20",
         **extra) -> dict:  # fmt: skip
    """One canonical line (the minimal report's, overridable)."""
    values = {"id": line_id, "date": date, "amount": amount, "currency": currency, "category": category,
              "tax_code": tax_code, "merchant": merchant, "project": project, "cost_centre": cost_centre,
              "receipt": receipt, "payment": payment, **extra}  # fmt: skip
    return {k: v for k, v in values.items() if v != ""}


def receive(setup, raw: dict):
    """Store a canonical document from the setup's source connector (as intake does) and return it."""
    from apps.documents.normalize.canonical import normalize_canonical
    from apps.documents.services import document_receive

    return document_receive(canonical=normalize_canonical(raw), connector_slug=setup.source.slug,
                            source_system="generic", raw_payload=raw, actor="test")[0]  # fmt: skip


def prepare(setup, document) -> str:
    """Validate and map (up to `mapped`) without posting."""
    from apps.mappings.loader import mapping_context_load
    from apps.sync.services.pipeline import document_prepare

    return document_prepare(document_id=document.pk, flow=setup.flow,
                            context=mapping_context_load([document.entity.code]))  # fmt: skip


def run(setup):
    """One run of the setup's flow, executed here (as a worker would)."""
    from apps.sync.services.runs import sync_run_create, sync_run_execute

    return sync_run_execute(run_id=sync_run_create(flow=setup.flow, trigger="manual", actor="test").pk)


def odoo_error(setup, model, method, args) -> str:
    """The fault text the sandbox answers to this call (the console's view must carry the same words)."""
    import xmlrpc.client

    try:
        setup.odoo(model, method, *args)
    except xmlrpc.client.Fault as fault:
        return str(fault.faultString).strip().splitlines()[-1] if fault.faultCode == 1 else str(fault.faultString)
    return ""


def process(document) -> str:
    """What the document's task does: prepare and post (webhook path) or, for other flows, prepare only."""
    from apps.sync.services.posting import documents_post
    from apps.sync.services.runs import document_process, flow_for_document

    state = document_process(document_id=document.pk)
    flow = flow_for_document(document)
    if state == "mapped" and flow is not None:
        documents_post(flow=flow, document_ids=[document.pk])
    document.refresh_from_db()
    return document.state


def with_flow(setup, flow):
    """The same setup driving another flow (e.g. the card transactions' flow next to the reports')."""
    from dataclasses import replace

    return replace(setup, flow=flow)
