"""Exactly-once posting of journal entries: look up, create what is missing, tag, post, read back.

    results = post_entries(gateway, plans)        # {key: MoveResult}

Per batch, whatever its size: 2 look-ups (external ids, refs), 1 create (a list from Odoo 12 on; on 11, which
has no list create, one import of the moves with their external ids), 1 create of the external ids (none after
an import), 1 post call for every draft move, 1 read-back. A validation fault in a list call (or a refused
import) is isolated by retrying that batch's records one by one, so one bad document does not hold the others.
Transient and auth faults propagate: the caller releases the documents and retries later (the look-up makes
that safe even when Odoo committed before the connection dropped).
"""

import contextlib
import logging
from dataclasses import dataclass

from apps.connectors.odoo.faults import OdooUnknownError, OdooValidationError
from apps.sync.posting.journal import EntryPlan
from apps.sync.posting.keys import MODULE, external_name

logger = logging.getLogger(__name__)
MODEL = "account.move"
READ_FIELDS = ["name", "state", "ref", "date"]


@dataclass
class MoveResult:
    key: str
    move_id: int | None = None
    name: str = ""
    state: str = ""
    date: str = ""
    existed: bool = False  # found by look-up: created by an earlier attempt, not by this one
    error: OdooValidationError | None = None


def lookup(gateway, keys: list[str]) -> tuple[dict[str, dict], dict[str, int]]:
    """({key: {id, state, name, ref, date, tagged}} of moves already in Odoo under these keys,
    {key: ir.model.data id} of external ids whose move is gone (deleted in Odoo, or a discarded draft))."""
    if not keys:
        return {}, {}
    names = {external_name(k): k for k in keys}
    tags = gateway.search_read("ir.model.data", [["module", "=", MODULE], ["name", "in", list(names)],
                                                 ["model", "=", MODEL]], ["name", "res_id"])  # fmt: skip
    tagged = {row["res_id"]: names[row["name"]] for row in tags}
    domain = ["|", ["id", "in", list(tagged) or [0]], ["ref", "in", list(keys)]]
    found = {}
    for row in gateway.search_read(MODEL, domain, READ_FIELDS):
        key = tagged.get(row["id"]) or row.get("ref")
        if key in names.values() and key not in found:
            found[key] = {**row, "tagged": row["id"] in tagged}
    stale = {names[row["name"]]: row["id"] for row in tags if names[row["name"]] not in found}
    return found, stale


def _create(gateway, plans: list[EntryPlan]) -> tuple[dict[str, int], dict[str, OdooValidationError]]:
    """Create the moves; on a validation fault of the list call, one by one to find the culprit(s)."""
    if not plans:
        return {}, {}
    try:
        ids = gateway.create(MODEL, [p.vals for p in plans])
        return {p.key: i for p, i in zip(plans, ids, strict=True)}, {}
    except OdooValidationError as error:
        if len(plans) == 1:
            return {}, {plans[0].key: error}
        done = dict(zip([p.key for p in plans], getattr(error, "created_ids", []) or [], strict=False))
    created, failed = dict(done), {}
    for plan in plans:
        if plan.key in created:
            continue
        more, errors = _create(gateway, [plan])
        created.update(more)
        failed.update(errors)
    return created, failed


def _import(gateway, plans: list[EntryPlan]) -> dict[str, int]:
    """Odoo 11 has no list create: there the batch's moves are imported in one call with their external ids (all
    or none, so a refusal leaves nothing behind); {} when Odoo refuses or the values do not fit an import, and
    `_create` goes one by one. Transient and auth faults propagate as from a create."""
    if gateway.profile.multi_create or not plans:
        return {}
    try:
        ids = gateway.load(MODEL, [p.vals for p in plans], [f"{MODULE}.{external_name(p.key)}" for p in plans])
    except (OdooValidationError, OdooUnknownError, ValueError) as error:
        # visible in the logs: an import that keeps failing costs each batch one call more
        logger.info("import of %d journal entries refused, creating them one by one: %s", len(plans), error)
        return {}
    return {p.key: i for p, i in zip(plans, ids, strict=True)}


def _post(gateway, ids_by_key: dict[str, int]) -> dict[str, OdooValidationError]:
    """Post drafts in one call; on a validation fault, one by one so the others still post."""
    if not ids_by_key:
        return {}
    try:
        gateway.post_moves(list(ids_by_key.values()))
        return {}
    except OdooValidationError as error:
        if len(ids_by_key) == 1:
            return {next(iter(ids_by_key)): error}
    failed = {}
    for key, move_id in ids_by_key.items():
        failed.update(_post(gateway, {key: move_id}))
    return failed


def post_entries(gateway, plans: list[EntryPlan]) -> dict[str, MoveResult]:
    """Make sure each plan's move exists once, is tagged with its external id, and is posted."""
    keys = [p.key for p in plans]
    existing, stale = lookup(gateway, keys)
    results = {k: MoveResult(key=k) for k in keys}
    imported = _import(gateway, [p for p in plans if p.key not in existing])  # tagged by the import itself
    created, failed = _create(gateway, [p for p in plans if p.key not in existing and p.key not in imported])
    for key in [k for k in created if k in stale]:  # re-point an orphaned external id at the new move
        gateway.write("ir.model.data", stale[key], {"res_id": created[key]})
    untagged = {k: row["id"] for k, row in existing.items() if not row["tagged"]}
    untagged |= {k: i for k, i in created.items() if k not in stale}
    created |= imported
    if untagged:
        gateway.create_external_ids([{"module": MODULE, "name": external_name(k), "model": MODEL, "res_id": i,
                                      "noupdate": True} for k, i in untagged.items()])  # fmt: skip
    drafts = {k: row["id"] for k, row in existing.items() if row["state"] == "draft"} | created
    failed.update(_post(gateway, drafts))
    _discard_drafts(gateway, {k: i for k, i in drafts.items() if k in failed})
    ids = {k: row["id"] for k, row in existing.items()} | created
    rows = {r["id"]: r for r in gateway.read(MODEL, list(ids.values()), READ_FIELDS)} if ids else {}
    for key, result in results.items():
        result.error = failed.get(key)
        if key in ids:
            row = rows.get(ids[key], {})
            result.move_id, result.existed = ids[key], key in existing
            result.name, result.state, result.date = row.get("name", ""), row.get("state", ""), row.get("date", "")
    return results


def _discard_drafts(gateway, ids_by_key: dict[str, int]) -> None:
    """Drop drafts Odoo refused to post, so the re-drive after a fix creates them from corrected data."""
    if not ids_by_key:
        return
    with contextlib.suppress(OdooValidationError):  # still there as a draft: the re-drive's look-up finds it
        gateway.unlink(MODEL, list(ids_by_key.values()))
