"""Writes on documents: receive (idempotent intake), transition (state machine + ledger), claim (compare-and-set).

Every state change and its ledger entry commit together (`transaction.atomic`); nothing here enqueues tasks —
callers do that with `transaction.on_commit` after these return.
"""

from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.access.permissions import in_entity_scope, require
from apps.documents.canonical import CanonicalDocument, PaymentMode
from apps.documents.codec import to_json
from apps.documents.errors import IllegalTransition, SchemaError, StaleDocument, UnknownEntity
from apps.documents.match_keys import line_match_key
from apps.documents.models import Document, DocumentLine
from apps.documents.states import FAILURE_STATES, DocumentState, transition_allowed
from apps.entities.lookup import active_entity
from apps.ledger.services import (
    ledger_append,
    ledger_append_many,
    ledger_append_prepared,
    ledger_lock,
    ledger_prepare,
)
from integration_console.sql import insert_each_model, insert_rows, insert_unless, select_values, update_each

KEY_MAX_LENGTH = Document._meta.get_field("idempotency_key").max_length
UNPOSTED_STATES = (DocumentState.RECEIVED, DocumentState.VALIDATED, DocumentState.MAPPED, DocumentState.HELD)


def idempotency_key(connector_slug: str, object_type: str, source_id: str, revision: int) -> str:
    """connector + object type + source id + revision: the identity of one posting, unique in the database."""
    return f"{connector_slug}:{object_type}:{source_id}:{revision}"


def _ledger_common(document: Document) -> dict:
    return {
        "entity": document.entity.code,
        "connector": document.source_connector,
        "source_system": document.source_system,
        "source_id": document.source_id,
        "document": document.idempotency_key,
    }


# --- receive ---------------------------------------------------------------------------------------------


def document_receive(
    *,
    canonical: CanonicalDocument,
    connector_slug: str,
    source_system: str,
    raw_payload,
    actor,
    correlation_id: str | None = None,
    revision_from_content: bool = False,
) -> tuple[Document, bool]:
    """Store a normalized document once; return (document, created).

    Idempotent by key: a repeated delivery returns the existing document and appends a `duplicate` ledger entry.
    A higher revision of a known source id is a new document linked to the previous revision; a revision
    older than one already received is stored as `rejected` (the newer one wins), never silently dropped.
    `revision_from_content`: for platforms without revision numbers (Expensify, Concur), a changed content
    becomes the next revision and an unchanged one is a duplicate.
    The raw message goes to the ledger (redacted by the ledger) in the same transaction as the document.
    Permission: a user actor needs `documents.import_document` on the entity; a service actor (a string: a
    verified webhook, a pull task) is trusted by its caller. Raises UnknownEntity, SchemaError.
    """
    entity = _receiving_entity(canonical, actor)
    if not revision_from_content:
        key = _checked_key(connector_slug, canonical)
    # A savepoint costs two round trips on PostgreSQL: only the revision-by-content path can still refuse
    # (SchemaError) after it has read, and only it needs one to leave the caller's transaction usable.
    with transaction.atomic(savepoint=revision_from_content):
        if revision_from_content:
            canonical = _revision_by_content(canonical, connector_slug)
            key = _checked_key(connector_slug, canonical)
        fields = {"canonical": canonical, "connector_slug": connector_slug, "source_system": source_system}
        # Every revision of this source document: this one (a repeated delivery), and the ones before and after
        # it (the unique source revision makes "this one" the document of `key`). Most deliveries are the first
        # of their source document: a prepared existence check answers those without building a queryset.
        source = {
            "source_connector": connector_slug,
            "object_type": str(canonical.type),
            "source_id": canonical.source_id,
        }
        siblings = []
        if select_values(Document, ["source_revision"], **source):
            siblings = sorted(Document.objects.filter(**source).order_by(), key=lambda d: d.source_revision)
        existing = next((d for d in siblings if d.source_revision == canonical.revision), None)
        if existing is None:
            document = _create(entity=entity, key=key, correlation_id=correlation_id, siblings=siblings, **fields)
            if document.pk is None:  # a concurrent delivery of the same key committed first
                existing = Document.objects.get(idempotency_key=key)
        if existing is not None:
            _ledger_received(existing, raw_payload, actor, correlation_id, outcome="duplicate", canonical=canonical)
            return existing, False
        _ledger_received(document, raw_payload, actor, correlation_id)
        if document.state == DocumentState.REJECTED:
            _ledger_transition(document, DocumentState.RECEIVED, actor, document.state_reason, correlation_id)
        elif document.previous_revision is not None:
            _supersede_unposted(document.previous_revision, document, actor, correlation_id)
    return document, True


def _receiving_entity(canonical: CanonicalDocument, actor):
    entity = active_entity(canonical.entity)  # cached per process (apps.entities.lookup)
    if entity is None:
        raise UnknownEntity([("entity", f"{canonical.entity!r} is not a legal entity known to the console")])
    if isinstance(actor, AbstractBaseUser):
        require(actor, "documents.import_document", message="You may not import expense documents.")
        if not in_entity_scope(actor, entity):
            raise UnknownEntity([("entity", f"You may not import documents for entity {entity.code}.")])
    return entity


@dataclass(frozen=True)
class DocumentIntake:
    """A document as document_receive would store it when it is the first revision of its source document: built,
    with its lines and its ledger entry, before any transaction (document_intake)."""

    receive: dict  # document_receive's arguments: the general path, for anything but a first delivery
    document: Document
    lines: list
    entry: tuple  # ledger_prepare's
    linked: list  # rows of other models with a `document` foreign key, stored with the document


def document_intake(
    *, canonical: CanonicalDocument, connector_slug: str, source_system: str, raw_payload, actor,
    correlation_id: str | None = None, linked: tuple = (),
) -> DocumentIntake:  # fmt: skip
    """Everything of document_receive that needs no database, done before the writer's transaction: the entity and
    permission check, the document, its lines, the redacted ledger entry. On SQLite every writer waits for the one
    in its transaction, so work moved out of it is work no longer queued behind. `linked`: unsaved rows of other
    models that reference the document by a `document` foreign key (a webhook's delivery id), inserted with it
    (unique constraints apply: an IntegrityError rolls the caller's transaction back). Raises UnknownEntity,
    SchemaError; store with document_intake_store."""
    entity = _receiving_entity(canonical, actor)
    key = _checked_key(connector_slug, canonical)
    document = _document(canonical=canonical, entity=entity, key=key, connector_slug=connector_slug,
                         source_system=source_system, correlation_id=correlation_id, newer=None)  # fmt: skip
    receive = {"canonical": canonical, "connector_slug": connector_slug, "source_system": source_system,
               "raw_payload": raw_payload, "actor": actor, "correlation_id": correlation_id}  # fmt: skip
    entry = ledger_prepare(_received_entry(document, raw_payload, actor, correlation_id))
    return DocumentIntake(receive, document, _line_rows(document, canonical), entry, list(linked))


def document_intake_store(intake: DocumentIntake) -> tuple[Document, bool]:
    """Store a DocumentIntake in the caller's transaction; (document, created) as document_receive returns.

    The common case — no revision of this source document is known yet — is one guarded INSERT (it checks for
    other revisions and the key itself) with the lines and the linked rows, then the ledger entry, last: on
    PostgreSQL its lock serialises writers until the commit. Anything else (a repeated delivery, another revision,
    a concurrent delivery of the same key) takes document_receive's general path, and then the linked rows."""
    source = {"source_connector": intake.document.source_connector, "object_type": intake.document.object_type,
              "source_id": intake.document.source_id}  # fmt: skip
    with transaction.atomic(savepoint=False):
        # On PostgreSQL the document, its lines and the linked rows are one statement.
        if insert_unless(intake.document, dependents=[*intake.lines, *intake.linked], **source):
            ledger_append_prepared([intake.entry])
            return intake.document, True
        document, created = document_receive(**intake.receive)
        for row in intake.linked:
            row.document = document
        insert_each_model(intake.linked)
    return document, created


def _checked_key(connector_slug: str, canonical: CanonicalDocument) -> str:
    key = idempotency_key(connector_slug, canonical.type, canonical.source_id, canonical.revision)
    if len(key) > KEY_MAX_LENGTH:
        raise SchemaError([("id", f"is too long to identify the document (key over {KEY_MAX_LENGTH} characters)")])
    return key


def _supersede_unposted(previous: Document, newer: Document, actor, correlation_id) -> None:
    """Void a previous revision that has not started posting: only the newest revision may be posted.

    A revision already posting or posted stays as it is; the pipeline decides (reversal + new entry, or a
    worklist item). A worker that claims the previous revision at this very moment wins the race (StaleDocument).
    """
    if previous.state not in UNPOSTED_STATES:
        return
    reason = f"Superseded by revision {newer.source_revision}."
    try:
        with transaction.atomic():
            document_transition(
                previous, DocumentState.REJECTED, actor=actor, reason=reason, correlation_id=correlation_id
            )
    except StaleDocument:
        pass


def _revision_by_content(canonical: CanonicalDocument, connector_slug: str) -> CanonicalDocument:
    latest = (
        Document.objects.filter(
            source_connector=connector_slug, object_type=canonical.type, source_id=canonical.source_id
        )
        .order_by("-source_revision")
        .first()
    )
    if latest is None:
        return replace(canonical, revision=1)
    same = to_json(replace(canonical, revision=latest.source_revision)) == latest.canonical
    return replace(canonical, revision=latest.source_revision + (0 if same else 1))


def _create(*, canonical, entity, key, connector_slug, source_system, correlation_id, siblings) -> Document:
    """`siblings`: the other revisions of the same source document, by revision. Returns the document unsaved
    (pk None) when a concurrent delivery inserted the same key first."""
    previous = next((d for d in reversed(siblings) if d.source_revision < canonical.revision), None)
    newer = next((d for d in reversed(siblings) if d.source_revision > canonical.revision), None)
    document = _document(canonical=canonical, entity=entity, key=key, connector_slug=connector_slug,
                         source_system=source_system, correlation_id=correlation_id, newer=newer)  # fmt: skip
    document.previous_revision = previous
    # Prepared INSERTs (this is the webhook's hot path); a key inserted meanwhile by a concurrent delivery
    # leaves document.pk None, without an IntegrityError that would need a savepoint.
    insert_rows([document], returning_pk=True, skip_conflicts=True)
    if document.pk is not None:
        insert_rows(_line_rows(document, canonical))
    return document


def _document(*, canonical, entity, key, connector_slug, source_system, correlation_id, newer) -> Document:
    return Document(
        source_connector=connector_slug,
        source_system=source_system,
        object_type=str(canonical.type),
        source_id=canonical.source_id,
        source_revision=canonical.revision,
        idempotency_key=key,
        entity=entity,
        employee_email=canonical.employee.email,
        employee_name=canonical.employee.name,
        title=canonical.title[:300],
        currency=canonical.currency,
        total=canonical.total,
        line_count=len(canonical.lines),
        approved_at=canonical.approved_at,
        canonical=to_json(canonical),
        correlation_id=correlation_id or "",
        **_superseded(newer),
    )


def _superseded(newer: Document | None) -> dict:
    if newer is None:
        return {}
    reason = f"Revision {newer.source_revision} of this document was already received; this older revision is void."
    return {"state": DocumentState.REJECTED, "state_reason": reason}


def _line_rows(document: Document, canonical: CanonicalDocument) -> list[DocumentLine]:
    return [
        DocumentLine(
            document=document,
            position=position,
            line_id=line.id,
            date=line.date,
            amount=line.amount,
            currency=line.currency,
            category=line.category,
            tax_code=line.tax_code,
            tax_amount=line.tax_amount,
            project=line.project,
            cost_centre=line.cost_centre,
            department=line.department,
            merchant=line.merchant[:300],
            receipt=line.receipt,
            receipt_url=line.receipt_url,
            payment_mode=str(line.payment or PaymentMode.EMPLOYEE),
            card_transaction_id=line.card_transaction_id,
            match_key=line_match_key(document.employee_email, line.date, line.amount, line.merchant),
        )
        for position, line in enumerate(canonical.lines, start=1)
    ]


def _ledger_received(document, raw_payload, actor, correlation_id, *, outcome="ok", canonical=None) -> None:
    ledger_append(**_received_entry(document, raw_payload, actor, correlation_id, outcome, canonical))


def _received_entry(document, raw_payload, actor, correlation_id, outcome="ok", canonical=None) -> dict:
    payload = {"raw": raw_payload}
    reason = ""
    if outcome == "duplicate":
        reason = "Already received: same connector, type, source id and revision."
        if canonical is not None and to_json(canonical) != document.canonical:
            payload["content_differs"] = True
            reason += " The content differs from the first delivery; send a new revision to change it."
    return {"kind": "document.received", "direction": "inbound", "outcome": outcome, "actor": actor,
            "payload": payload, "correlation_id": correlation_id, "reason": reason,
            **_ledger_common(document)}  # fmt: skip


def document_intake_refuse(
    *, connector_slug: str, source_system: str, raw_payload, errors: list, actor, source_id: str = "", entity=""
) -> None:
    """Record an inbound message that could not become a document (schema errors, unknown entity), so nothing
    that arrived is lost even when it is refused. `errors`: [(path, message)] or [(line, column, message)]."""
    with transaction.atomic():
        ledger_append(
            kind="document.received",
            direction="inbound",
            outcome="rejected",
            actor=actor,
            payload={"raw": raw_payload, "errors": [list(e) for e in errors]},
            connector=connector_slug,
            source_system=source_system,
            source_id=source_id,
            entity=entity,
            reason=f"Refused: {len(errors)} problem(s) in the input.",
        )


# --- state machine ---------------------------------------------------------------------------------------


def document_transition(
    document: Document,
    to_state: str,
    *,
    actor,
    reason: str = "",
    failed_stage: str = "",
    odoo_model: str | None = None,
    odoo_ids: list | None = None,
    flow: str = "",
    payload: dict | None = None,
    correlation_id: str | None = None,
) -> Document:
    """Move `document` from its current state to `to_state` and record it in the ledger, atomically.

    Refuses moves the state machine forbids (IllegalTransition) and raises StaleDocument when the row's state
    changed since `document` was read (compare-and-set on the state). Entering held/rejected/dead_letter
    records `reason` and `failed_stage`; leaving them for a working state clears both. Entering `posted`
    stamps `posted_at`. No permission check: callers (pipeline, worklist services) check theirs.
    """
    from_state = document.state
    if not transition_allowed(from_state, to_state, document.failed_stage):
        raise IllegalTransition(
            f"A document cannot go from {from_state} to {to_state}"
            + (f" (it failed at {document.failed_stage})." if document.failed_stage else ".")
        )
    changes = _transition_fields(document, to_state, reason, failed_stage, odoo_model, odoo_ids, timezone.now())
    with transaction.atomic():
        if not Document.objects.filter(pk=document.pk, state=from_state).update(**changes):
            raise StaleDocument(f"Document {document.idempotency_key} is no longer {from_state}; reload it.")
        for name, value in changes.items():
            setattr(document, name, value)
        _ledger_transition(document, from_state, actor, reason, correlation_id, flow=flow, payload=payload)
    return document


def _transition_fields(document, to_state, reason, failed_stage, odoo_model, odoo_ids, now) -> dict:
    changes = {"state": to_state, "state_changed_at": now, "updated_at": now}
    if to_state in FAILURE_STATES:
        changes.update(state_reason=reason, failed_stage=failed_stage or document.failed_stage)
    elif document.state in FAILURE_STATES:
        changes.update(state_reason="", failed_stage="", next_attempt_at=None)
    if to_state == DocumentState.POSTED:
        changes["posted_at"] = now
    if odoo_model is not None:
        changes["odoo_model"] = odoo_model
    if odoo_ids is not None:
        changes["odoo_ids"] = list(odoo_ids)
    return changes


def _ledger_transition(document, from_state, actor, reason, correlation_id, *, flow="", payload=None) -> None:
    ledger_append(**_transition_entry(document, from_state, actor, reason, correlation_id, flow=flow, payload=payload))


def _transition_entry(document, from_state, actor, reason, correlation_id, *, flow="", payload=None) -> dict:
    """The ledger entry (ledger_append's keyword arguments) recording `document`'s move from `from_state`."""
    return dict(
        kind=f"document.{document.state}",
        direction="internal",
        outcome=_outcome_of(document.state),
        actor=actor,
        payload={"from": from_state, "to": document.state, "failed_stage": document.failed_stage, **(payload or {})},
        flow=flow,
        target_model=document.odoo_model,
        target_id=",".join(str(i) for i in document.odoo_ids),
        correlation_id=correlation_id,
        reason=reason,
        **_ledger_common(document),
    )


def _outcome_of(state: str) -> str:
    return {"held": "held", "rejected": "rejected", "dead_letter": "failed"}.get(state, "ok")


def document_claim(document_id: int, from_state: str, to_state: str, *, actor="worker", flow: str = "") -> bool:
    """Compare-and-set: move the document only if it is still `from_state`; True for the one caller that won.

    `UPDATE … WHERE id = … AND state = from_state` — of two concurrent workers exactly one gets a row. A claim
    into `posting` counts an attempt. The winner's claim is in the ledger (same transaction). Raises
    IllegalTransition for a pair the state machine forbids, whatever the row's state.
    """
    if not transition_allowed(from_state, to_state):
        raise IllegalTransition(f"A document cannot be claimed from {from_state} to {to_state}.")
    now = timezone.now()
    changes = {"state": to_state, "state_changed_at": now, "updated_at": now}
    if to_state == DocumentState.POSTING:
        changes["attempts"] = F("attempts") + 1
    with transaction.atomic():
        if not Document.objects.filter(pk=document_id, state=from_state).update(**changes):
            return False
        document = Document.objects.select_related("entity").get(pk=document_id)
        _ledger_transition(document, from_state, actor, "claimed", None, flow=flow, payload={"claim": True})
    return True


# --- batches: one statement per stage for many documents, compare-and-set kept ----------------------------


def _locked(rows):
    if connection.features.has_select_for_update:
        return rows.select_for_update(of=("self",), skip_locked=connection.features.has_select_for_update_skip_locked)
    return rows


def _lock_in_state(document_ids, from_state: str) -> dict[int, Document]:
    """{id: document} of those of `document_ids` still in `from_state`, row-locked until the transaction ends.

    The compare of a batch's compare-and-set. PostgreSQL: FOR UPDATE SKIP LOCKED — a row another transaction is
    changing right now is not ours (it is skipped, as a lost claim is); SQLite: the IMMEDIATE transaction already
    holds the database's write lock, so no other writer can change a row between this read and the UPDATE.
    """
    rows = Document.objects.filter(pk__in=list(document_ids), state=from_state).select_related(
        "entity", "previous_revision"
    )
    return {document.pk: document for document in _locked(rows).order_by("pk")}


def document_claim_many(document_ids, from_state: str, to_state: str, *, actor="worker", flow: str = "") -> list:
    """`document_claim` for a batch: the documents this caller won (id order, loaded with entity and previous
    revision), moved to `to_state` with one UPDATE and their claim entries in the ledger, in one transaction.

    Documents no longer in `from_state` (or being changed by another worker this instant) are not claimed;
    the caller reports them. The ledger lock is taken before any row lock, as every batch writer does, so two
    workers claiming overlapping batches cannot deadlock.
    """
    if not transition_allowed(from_state, to_state):
        raise IllegalTransition(f"A document cannot be claimed from {from_state} to {to_state}.")
    with transaction.atomic():
        ledger_lock()
        documents = list(_lock_in_state(document_ids, from_state).values())
        if not documents:
            return []
        now = timezone.now()
        changes = {"state": to_state, "state_changed_at": now, "updated_at": now}
        if to_state == DocumentState.POSTING:
            changes["attempts"] = F("attempts") + 1
        updated = Document.objects.filter(pk__in=[d.pk for d in documents], state=from_state).update(**changes)
        if updated != len(documents):  # the rows are locked: only a bug in the locking gets here
            raise StaleDocument(f"{len(documents) - updated} claimed documents changed under their lock.")
        for document in documents:
            document.state, document.state_changed_at, document.updated_at = to_state, now, now
            if to_state == DocumentState.POSTING:
                document.attempts += 1
        ledger_append_many([
            _transition_entry(d, from_state, actor, "claimed", None, flow=flow, payload={"claim": True})
            for d in documents
        ])  # fmt: skip
    return documents


def documents_transition_many(
    documents: list, to_state: str, *, actor, flow: str = "", reason: str = "", per_document: dict | None = None
) -> tuple[list, list]:
    """`document_transition` for a batch: (moved, stale).

    Every document moves from the state it was read in to `to_state` with one UPDATE per starting state
    (values that differ per document, such as Odoo ids, go in a CASE), and its ledger entries are appended with
    one insert, in one transaction. `per_document` = {id: {"reason", "odoo_model", "odoo_ids", "payload",
    "entries_before": [ledger_append kwargs, …]}} overrides per document; `entries_before` are written just
    before that document's transition entry. A document whose row is no longer in the state it was read in is
    not moved and comes back in `stale` (compare-and-set: whoever changed it won). Raises IllegalTransition when
    the state machine forbids any of the moves (nothing written).
    """
    if not documents:
        return [], []
    per_document = per_document or {}
    for document in documents:
        if not transition_allowed(document.state, to_state, document.failed_stage):
            raise IllegalTransition(
                f"Document {document.idempotency_key} cannot go from {document.state} to {to_state}."
            )
    moved, stale, entries = [], [], []
    with transaction.atomic():
        ledger_lock()
        now = timezone.now()
        by_state: dict[str, list] = {}
        for document in documents:
            by_state.setdefault(document.state, []).append(document)
        for from_state, group in by_state.items():
            rows = Document.objects.filter(pk__in=[d.pk for d in group], state=from_state).order_by("pk")
            locked = set(_locked(rows).values_list("pk", flat=True))  # the compare, as in _lock_in_state
            stale += [d for d in group if d.pk not in locked]
            group = [d for d in group if d.pk in locked]
            if not group:
                continue
            changes = {}
            for document in group:
                extra = per_document.get(document.pk, {})
                changes[document.pk] = _transition_fields(
                    document, to_state, extra.get("reason", reason), extra.get("failed_stage", ""),
                    extra.get("odoo_model"), extra.get("odoo_ids"), now,
                )  # fmt: skip
            _update_each(from_state, changes)
            for document in group:
                extra = per_document.get(document.pk, {})
                for name, value in changes[document.pk].items():
                    setattr(document, name, value)
                entries += extra.get("entries_before", [])
                entries.append(_transition_entry(document, from_state, actor, extra.get("reason", reason), None,
                                                 flow=flow, payload=extra.get("payload")))  # fmt: skip
                moved.append(document)
        ledger_append_many(entries)
    return moved, stale


def _update_each(from_state: str, changes: dict[int, dict]) -> None:
    """UPDATE each row to its own values, WHERE id = … AND state = from_state (one executemany)."""
    updated = update_each(Document, changes, state=from_state)
    if updated != len(changes):  # the rows are locked: only a bug in the locking gets here
        raise StaleDocument(f"{len(changes) - updated} documents changed under their lock.")
