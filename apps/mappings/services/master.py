"""The master-data cache: read Odoo through the gateway, store only what changed, mark what vanished.

A refresh of one entity reads every kind (paged by the gateway) before it writes anything, then applies all
kinds, the entity's lock dates and one ledger entry with the counts in one transaction: the cache is never
half refreshed, and a second refresh with nothing changed in Odoo writes no cache row.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.access.permissions import AccessDenied
from apps.ledger.services import ledger_append
from apps.mappings import policies
from apps.mappings.errors import MappingError
from apps.mappings.models import MasterDataRefresh, MasterDataRefreshStatus, MasterKind, MasterRecord

logger = logging.getLogger(__name__)
LOCK_DATE_FIELDS = ("fiscalyear_lock_date", "period_lock_date", "tax_lock_date", "hard_lock_date")
CODE_KEYS = {
    "employees": "work_email",
    "expense_categories": "default_code",
    "accounts": "code",
    "journals": "code",
    "analytic_accounts": "code",
}
RecordFields = ("code", "name", "company_id", "active", "data", "digest", "changed_at")


def record_digest(row: dict) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def record_fields(kind: str, row: dict, company_id: int | None) -> dict:
    """Cache columns of one normalized row (pure). `code` is the key people use; e-mails compare lower-case."""
    code = row.get(CODE_KEYS.get(kind, "name")) or (row.get("name") if kind == "analytic_accounts" else "")
    if kind == "employees":
        code = (code or "").strip().lower()
    companies = row.get("company_ids")
    if companies is not None:  # accounts: shared by several companies from Odoo 18
        owner = company_id if company_id in companies else (companies[0] if companies else None)
    else:
        owner = row.get("company_id")
    return {
        "code": str(code or "")[:255],
        "name": str(row.get("name") or "")[:500],
        "company_id": owner,
        "active": bool(row.get("active", True)),
        "data": row,
        "digest": record_digest(row),
    }


def master_data_refresh(*, connector, entity, actor, kinds=None, gateway=None) -> dict:
    """Refresh `entity`'s cache from `connector`; returns {kind: {seen, created, updated, deactivated}}.

    Permission (user actors): `refresh_masterrecord` within the entity or on one of its connectors; service
    actors (a name, or None for the scheduler) are trusted callers. Raises MappingError when the entity has no
    Odoo company, OdooError / CredentialUnavailable when Odoo cannot be read (nothing written then).
    """
    if getattr(actor, "pk", None) and not policies.may_refresh(actor, entity):
        raise AccessDenied(f"You may not refresh the master data of {entity.code}.")
    if not entity.odoo_company_id:
        raise MappingError(f"{entity.code} has no Odoo company id: set it before refreshing master data.")
    from apps.connectors.odoo import master_data
    from apps.mappings.gateway import _gateway_for

    gw = gateway or _gateway_for(connector)
    fetched = {kind: list(master_data.fetch(gw, kind, entity.odoo_company_id)) for kind in kinds or MasterKind.values}
    with transaction.atomic():
        now = timezone.now()
        counts = {kind: _apply(entity, kind, rows, now) for kind, rows in fetched.items()}
        lock_dates = _update_lock_dates(entity, fetched.get("companies", []), now)
        ledger_append(
            kind="master_data.refreshed",
            direction="inbound",
            actor=actor,
            entity=entity.code,
            connector=connector.slug,
            source_system="odoo",
            payload={"counts": counts, "lock_dates": lock_dates},
        )
    return counts


def _apply(entity, kind: str, rows: list[dict], now) -> dict:
    existing = {
        odoo_id: (pk, digest, active)
        for odoo_id, pk, digest, active in MasterRecord.objects.filter(entity=entity, kind=kind).values_list(
            "odoo_id", "pk", "digest", "active"
        )
    }
    creates, updates, seen = [], [], set()
    for row in rows:
        odoo_id = int(row["id"])
        seen.add(odoo_id)
        fields = record_fields(kind, row, entity.odoo_company_id)
        old = existing.get(odoo_id)
        if old is None:
            creates.append(MasterRecord(entity=entity, kind=kind, odoo_id=odoo_id, changed_at=now, **fields))
        elif old[1] != fields["digest"]:
            updates.append(MasterRecord(pk=old[0], changed_at=now, **fields))
    vanished = [pk for odoo_id, (pk, _d, active) in existing.items() if odoo_id not in seen and active]
    MasterRecord.objects.bulk_create(creates, batch_size=500)
    MasterRecord.objects.bulk_update(updates, RecordFields, batch_size=500)
    # The digest is cleared so a record that comes back is written again (and re-activated).
    MasterRecord.objects.filter(pk__in=vanished).update(active=False, digest="", changed_at=now)
    return {"seen": len(seen), "created": len(creates), "updated": len(updates), "deactivated": len(vanished)}


def _update_lock_dates(entity, companies: list[dict], now) -> dict:
    """Mirror the company's lock dates on the entity; returns them (ISO dates) for the ledger entry."""
    row = next((c for c in companies if c.get("id") == entity.odoo_company_id), None)
    if row is None:
        return {}
    for field in LOCK_DATE_FIELDS:
        value = row.get(field)
        setattr(entity, field, date.fromisoformat(str(value)[:10]) if value else None)
    entity.lock_dates_read_at = now
    entity.save(update_fields=[*LOCK_DATE_FIELDS, "lock_dates_read_at"])
    return {field: str(getattr(entity, field)) if getattr(entity, field) else None for field in LOCK_DATE_FIELDS}


# --- runs: request (UI, schedule) → task → claim → refresh ------------------------------------------------
def master_data_refresh_request(*, entity, actor, trigger: str = "manual") -> MasterDataRefresh:
    """Queue a refresh of `entity` (run by a worker after commit). Returns the queued or already-open run.

    Permission for users as in master_data_refresh. Raises MappingError when no Odoo connector serves it.
    """
    from apps.mappings.gateway import odoo_connector_for

    if getattr(actor, "pk", None) and not policies.may_refresh(actor, entity):
        raise AccessDenied(f"You may not refresh the master data of {entity.code}.")
    connector = odoo_connector_for(entity)
    if connector is None:
        raise MappingError(f"No enabled Odoo connector serves {entity.code}: link one to the entity first.")
    open_run = MasterDataRefresh.objects.filter(entity=entity, status__in=["queued", "running"]).first()
    if open_run is not None:
        return open_run
    try:
        with transaction.atomic():
            run = MasterDataRefresh.objects.create(
                entity=entity,
                connector=connector.slug,
                trigger=trigger,
                requested_by=actor if getattr(actor, "pk", None) else None,
            )
            transaction.on_commit(lambda: _enqueue(run.pk))
    except IntegrityError:  # another request won the race: the open run is the answer
        return MasterDataRefresh.objects.get(entity=entity, status__in=["queued", "running"])
    return run


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("apps.mappings.tasks.master_data_refresh_task", run_id, task_name=f"master-data-refresh-{run_id}")


def master_data_refresh_execute(run_id: int, *, gateway=None) -> MasterDataRefresh | None:
    """Claim the queued run (compare-and-set) and refresh; safe to deliver twice (the second claim fails)."""
    claimed = MasterDataRefresh.objects.filter(pk=run_id, status=MasterDataRefreshStatus.QUEUED).update(
        status=MasterDataRefreshStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = MasterDataRefresh.objects.select_related("entity", "requested_by").get(pk=run_id)
    from apps.connectors.models import Connector

    try:
        connector = Connector.objects.get(slug=run.connector)
        run.counts = master_data_refresh(
            connector=connector, entity=run.entity, actor=run.requested_by or "scheduler", gateway=gateway
        )
        run.status = MasterDataRefreshStatus.SUCCEEDED
    except Exception as error:  # noqa: BLE001 — any failure ends the run as failed, with its message
        logger.warning("master-data refresh %s of %s failed: %s", run_id, run.entity.code, type(error).__name__)
        run.status, run.error = MasterDataRefreshStatus.FAILED, str(error)[:2000]
        ledger_append(
            kind="master_data.refreshed",
            direction="inbound",
            outcome="failed",
            actor="scheduler",
            entity=run.entity.code,
            connector=run.connector,
            source_system="odoo",
            reason=run.error[:500],
        )
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "error", "finished_at"])
    return run
