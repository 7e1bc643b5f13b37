"""Publication to the reporting store: incremental by watermark, idempotent, every batch ledgered.

    result = publish_changes()                          # what changed since the watermarks (schedule)
    result = publish_period(entity=…, start=…, end=…)   # re-publish a period in full (repairs, back-fills)
    run = publication_run(trigger=…, actor=…, …)        # either of them as a claimed ReportingRun

Change streams: documents (their `updated_at`) and reimbursement states (theirs). A watermark is read back by
OVERLAP so a transaction that committed late is not missed; re-reading is cheap because a fact row is
written only when its digest changed — publishing the same data twice writes nothing and ledgers nothing.
A chunk of documents commits in the store together with its PublicationBatch row and the watermarks (outbox);
the batch is then ledgered (`reporting.batch_published`, with row counts and totals) in the console database,
and a batch whose ledger entry is missing (crash in between) is ledgered by the next run. Documents that are
`confirmed` move to `published` once their rows are committed.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connections, transaction
from django.db.models import Lookup, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from apps.access.permissions import in_entity_scope, require
from apps.documents.errors import IllegalTransition, StaleDocument
from apps.documents.models import Document
from apps.documents.services import document_transition
from apps.documents.states import FAILURE_STATES
from apps.documents.states import DocumentState as S
from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append
from apps.reporting.models import (
    FactExpenseLine,
    PublicationBatch,
    PublicationWatermark,
    ReimbursementStatus,
    ReportingRunKind,
)
from apps.reporting.router import store_alias
from apps.reporting.services.dimensions import DimensionContext, ensure_dates
from apps.reporting.services.facts import document_rows
from apps.reporting.services.runs import run_claim, run_finish


class AnyOf(Lookup):
    """`field__any_of=[…]`: one array parameter (`= ANY(%s)`) on PostgreSQL, IN elsewhere. A chunk's 2,000-value
    IN list otherwise costs the ORM and the driver a placeholder each (about a tenth of a publication's time).
    Registered on the few fields the publication filters by in bulk (see below), not on every field."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*params, self.rhs)
        if not self.rhs:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)


for _model, _field in ((Document, "id"), (FactExpenseLine, "document_key")):
    _model._meta.get_field(_field).register_lookup(AnyOf)

ACTOR = "reporting"
PUBLISHABLE = (S.POSTED, S.CONFIRMED, S.PUBLISHED)
OVERLAP = timedelta(minutes=5)
CHUNK = 2000
DOCS, REIMB = "documents", "reimbursement"
BATCH_KIND = "reporting.batch_published"
DOC_FIELDS = ("id", "idempotency_key", "source_system", "source_id", "object_type", "entity_id", "employee_email",
              "employee_name", "state", "odoo_model", "received_at", "posted_at")  # fmt: skip


class PublicationError(ValueError):
    """A publication that cannot be done as asked (bad period, entity out of reach)."""


@dataclass
class PublishResult:
    documents: int = 0
    rows_seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    published: int = 0
    batches: list[int] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.inserted + self.updated + self.deleted


# --- entry points ------------------------------------------------------------------------------------------
def publication_run(*, trigger: str = "schedule", actor=None, entity=None, start=None, end=None):
    """Publish as a claimed run (None when one is running). A user needs `reporting.run_reporting` (and the
    entity in scope for a period). With `entity`, `start` and `end` the period is re-published in full."""
    if getattr(actor, "pk", None):
        require(actor, "reporting.run_reporting", message="You may not run the reporting publication.")
        if entity is not None and not (
            in_entity_scope(actor, entity) or actor.has_perm("reporting.view_all_operations")
        ):
            raise PublicationError(f"You may not publish the data of {entity.code}.")
    run = run_claim(kind=ReportingRunKind.PUBLICATION, trigger=trigger, actor=actor)
    if run is None:
        return None
    try:
        result = publish_period(entity=entity, start=start, end=end) if entity else publish_changes(trigger=trigger)
    except Exception as error:
        run_finish(run, counts={}, error=f"{type(error).__name__}: {error}")
        raise
    return run_finish(run, counts={k: v for k, v in asdict(result).items() if k != "batches"})


def publish_changes(*, trigger: str = "schedule") -> PublishResult:
    """Publish every document changed since the watermarks (see the module docstring)."""
    alias = store_alias()
    ledger_pending_batches()
    marks = {m.name: m.changed_at for m in PublicationWatermark.objects.using(alias).all()}
    # Failure states too: a posted document that is then held or rejected must leave the store.
    documents = _changed(Document.objects.filter(state__in=(*PUBLISHABLE, *FAILURE_STATES)), "id", marks.get(DOCS),
                         "previous_revision_id")  # fmt: skip
    statuses = _changed(
        ReimbursementStatus.objects.all(), "document_id", marks.get(REIMB), "document__previous_revision_id"
    )
    ids = list(dict.fromkeys([i for i, *_ in documents] + [i for i, *_ in statuses]))
    seen = set(ids)
    # The revision a changed document supersedes is re-published too (its rows become `superseded`).
    ids += list(dict.fromkeys(p for *_, p in (*documents, *statuses) if p is not None and p not in seen))
    new_marks = {DOCS: max((t for _, t, _p in documents), default=marks.get(DOCS)),
                 REIMB: max((t for _, t, _p in statuses), default=marks.get(REIMB))}  # fmt: skip
    result, contexts = PublishResult(), {}
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        _publish_chunk(chunk, alias, result, contexts, trigger=trigger, marks=new_marks if last else None,
                       old_marks=marks)  # fmt: skip
    return result


def publish_period(*, entity, start: date, end: date, trigger: str = "manual") -> PublishResult:
    """Re-publish every document of `entity` with a line dated in [start, end], and remove rows of that period
    whose document is not publishable any more. Leaves the watermarks alone."""
    if start is None or end is None or start > end:
        raise PublicationError("Give a period whose start is on or before its end.")
    alias = store_alias()
    ledger_pending_batches()
    ids = list(Document.objects.filter(entity=entity, state__in=PUBLISHABLE, lines__date__range=(start, end))
               .order_by("id").values_list("id", flat=True).distinct())  # fmt: skip
    result, contexts = PublishResult(), {}
    for i in range(0, len(ids), CHUNK):
        _publish_chunk(ids[i : i + CHUNK], alias, result, contexts, trigger=trigger)
    _remove_orphans(entity, start, end, alias, result, trigger)
    return result


def _changed(queryset, id_field: str, mark, previous: str) -> list[tuple[int, object, int | None]]:
    """(document id, updated_at, id of the revision it supersedes) of the rows changed since `mark`."""
    if mark is not None:
        queryset = queryset.filter(updated_at__gt=mark - OVERLAP)
    return list(queryset.order_by("updated_at", id_field).values_list(id_field, "updated_at", previous))


# --- one chunk -----------------------------------------------------------------------------------------------
def _load(ids: list[int]) -> tuple[list[dict], list[str]]:
    """(publishable documents as dicts ready for document_rows, keys of every document of the chunk)."""
    # The JSON columns come as text and are parsed with orjson: several times faster than the ORM's json.loads.
    text = {"canonical_text": Cast("canonical", TextField()), "odoo_ids_text": Cast("odoo_ids", TextField())}
    rows = list(Document.objects.filter(id__any_of=ids).annotate(**text).values(*DOC_FIELDS, *text))
    for row in rows:
        row["canonical"], row["odoo_ids"] = (
            orjson.loads(row.pop("canonical_text")),
            orjson.loads(row.pop("odoo_ids_text")),
        )
    statuses = {s["document_id"]: s for s in ReimbursementStatus.objects.filter(document__id__any_of=ids).values(
        "document_id", "payment_state", "entry_name", "entry_date")}  # fmt: skip
    superseded = set(Document.objects.filter(previous_revision__id__any_of=ids, state__in=PUBLISHABLE)
                     .values_list("previous_revision_id", flat=True))  # fmt: skip
    documents = []
    for row in rows:
        if row["state"] not in PUBLISHABLE:
            continue
        status = statuses.get(row["id"], {})
        row.update(payment_state=status.get("payment_state", ""), entry_name=status.get("entry_name", ""))
        lines = row["canonical"].get("lines", [])
        row["posting_date"] = status.get("entry_date") or max((date.fromisoformat(x["date"]) for x in lines),
                                                              default=None)  # fmt: skip
        row["status"] = "superseded" if row["id"] in superseded else (
            "published" if row["state"] in (S.CONFIRMED, S.PUBLISHED) else row["state"])  # fmt: skip
        documents.append(row)
    return documents, [r["idempotency_key"] for r in rows]


def _rows(documents: list[dict], contexts: dict, alias: str) -> list[dict]:
    from apps.entities.models import LegalEntity

    missing = {d["entity_id"] for d in documents} - set(contexts)
    for entity in LegalEntity.objects.filter(pk__in=missing):
        contexts[entity.pk] = DimensionContext(entity, alias)
    people = defaultdict(dict)
    for d in documents:
        people[d["entity_id"]][d["employee_email"]] = d["employee_name"]
    for entity_id, emails in people.items():
        contexts[entity_id].ensure_employees(emails)
    rows = [row for d in documents for row in document_rows(d, contexts[d["entity_id"]])]
    ensure_dates(alias, {_day(r["expense_date_id"]) for r in rows} | {_day(r["posting_date_id"]) for r in rows
                                                                      if r["posting_date_id"]})  # fmt: skip
    return rows


def _day(key: int) -> date:
    return date(key // 10000, key // 100 % 100, key % 100)


def _publish_chunk(ids, alias, result: PublishResult, contexts, *, trigger, marks=None, old_marks=None) -> None:
    started = timezone.now()
    documents, keys = _load(ids)
    rows = _rows(documents, contexts, alias)
    result.documents += len(documents)
    result.rows_seen += len(rows)
    with transaction.atomic(using=alias):
        facts = FactExpenseLine.objects.using(alias)
        existing = {(k, line): (pk, d) for pk, k, line, d in facts.filter(document_key__any_of=keys).values_list(
            "id", "document_key", "line_id", "digest")}  # fmt: skip
        changed = [r for r in rows if existing.get((r["document_key"], r["line_id"]), (0, ""))[1] != r["digest"]]
        wanted = {(r["document_key"], r["line_id"]) for r in rows}
        stale = [pk for key, (pk, _d) in existing.items() if key not in wanted]
        inserted = sum(1 for r in changed if (r["document_key"], r["line_id"]) not in existing)
        counts = {"inserted": inserted, "updated": len(changed) - inserted, "deleted": len(stale),
                  "unchanged": len(rows) - len(changed)}  # fmt: skip
        batch = _write(alias, changed, stale, counts, started, trigger) if changed or stale else None
        _save_marks(alias, marks, old_marks)
    for name, value in counts.items():
        setattr(result, name, getattr(result, name) + value)
    if batch is not None:
        result.batches.append(batch.pk)
        ledger_batch(batch)
    result.published += _mark_published([d["id"] for d in documents if d["state"] == S.CONFIRMED])


def _write(alias, changed, stale, counts, started, trigger) -> PublicationBatch:
    totals = defaultdict(Decimal)
    for row in changed:
        totals[row["company_currency"]] += row["amount_company"] or Decimal(0)
    now = timezone.now()
    batch = PublicationBatch.objects.using(alias).create(
        trigger=trigger, started_at=started, finished_at=now, documents=len({r["document_key"] for r in changed}),
        rows_seen=counts["inserted"] + counts["updated"] + counts["unchanged"], rows_inserted=counts["inserted"],
        rows_updated=counts["updated"], rows_unchanged=counts["unchanged"],
        totals={"written": {k: str(v) for k, v in sorted(totals.items())}, "deleted_rows": len(stale)},
    )  # fmt: skip
    upsert(alias, changed, batch_id=batch.pk, published_at=now, new=counts["updated"] == 0)
    facts = FactExpenseLine.objects.using(alias)
    for start in range(0, len(stale), 500):
        facts.filter(pk__in=stale[start : start + 500]).delete()
    return batch


COLUMNS = [f for f in FactExpenseLine._meta.concrete_fields if f.name != "id"]


def upsert(alias: str, rows: list[dict], *, batch_id: int, published_at, new: bool = False) -> None:
    """Insert or update `rows` by (document_key, line_id), in the caller's transaction.

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO UPDATE; when the caller
    found none of the rows in the store (`new`: a first publication), COPY straight into the table — half the
    server's writes — falling back to the upsert if another publisher wrote one of them meanwhile. SQLite: one
    prepared INSERT … ON CONFLICT DO UPDATE run by executemany on the driver's own cursor (the ORM's bulk_create
    would cut SQLite batches to 28 rows and build a model instance per row)."""
    if not rows:
        return
    connection = connections[alias]
    names = tuple(f.column for f in COLUMNS)
    values = operator.itemgetter(*[f.attname for f in COLUMNS])
    for row in rows:
        row["batch_id"], row["published_at"] = batch_id, published_at
    if connection.vendor == "postgresql":
        tuples = [values(row) for row in rows]
        if not (new and _copy_new(connection, alias, names, tuples)):
            _upsert_postgresql(connection, names, tuples)
        return
    adapt = functools.lru_cache(maxsize=4096)(connection.ops.adapt_datetimefield_value)
    dated = [f.attname for f in COLUMNS if f.get_internal_type() == "DateTimeField"]
    for row in rows:  # SQLite stores datetimes as naive UTC text, as the ORM writes them
        for name in dated:
            row[name] = adapt(row[name])
    connection.ensure_connection()
    cursor = connection.connection.cursor()  # the driver's cursor: "?" placeholders, no per-statement rewriting
    try:
        cursor.executemany(_upsert_sql(names), [values(row) for row in rows])
    finally:
        cursor.close()


def _copy_new(connection, alias: str, names: tuple, values: list) -> bool:
    """COPY rows believed new straight into the fact table; False (nothing written) if one exists after all."""
    from psycopg.errors import UniqueViolation

    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:  # a savepoint to fall back from
            _copy(cursor, connection, FactExpenseLine._meta.db_table, names, values)
    except (UniqueViolation, IntegrityError):
        return False
    return True


def _upsert_postgresql(connection, names: tuple, values: list) -> None:
    table, columns = FactExpenseLine._meta.db_table, ", ".join(names)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS fact_load ON COMMIT DELETE ROWS AS "
                       f"SELECT {columns} FROM {table} WITH NO DATA")  # fmt: skip
        cursor.execute("TRUNCATE fact_load")
        _copy(cursor, connection, "fact_load", names, values)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM fact_load "
                       f"ON CONFLICT (document_key, line_id) DO UPDATE SET {_updates(names)}")  # fmt: skip


PG_TYPES = {"bigint": "int8", "integer": "int4", "smallint": "int2", "numeric": "numeric", "varchar": "varchar",
            "timestamp with time zone": "timestamptz", "text": "text", "boolean": "bool", "date": "date"}  # fmt: skip


def _copy(cursor, connection, table: str, names: tuple, values: list) -> None:
    """COPY in binary: each value is sent as its column's own type, half the driver's work of the text format."""
    types = [PG_TYPES[f.db_type(connection).split("(")[0]] for f in COLUMNS]
    with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in values:
            copy.write_row(row)


def _updates(names: tuple) -> str:
    return ", ".join(f"{c} = excluded.{c}" for c in names if c not in ("document_key", "line_id"))


@functools.lru_cache(maxsize=8)
def _upsert_sql(names: tuple) -> str:
    return (f"INSERT INTO {FactExpenseLine._meta.db_table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT (document_key, line_id) DO UPDATE SET {_updates(names)}")  # fmt: skip


def _save_marks(alias, marks, old_marks) -> None:
    for name, value in (marks or {}).items():
        if value is not None and value != (old_marks or {}).get(name):
            PublicationWatermark.objects.using(alias).update_or_create(name=name, defaults={"changed_at": value})


def _remove_orphans(entity, start, end, alias, result: PublishResult, trigger) -> None:
    """Rows of the period whose document is no longer publishable (or no longer exists) leave the store."""
    facts = FactExpenseLine.objects.using(alias).filter(entity__code=entity.code,
                                                        expense_date__date__range=(start, end))  # fmt: skip
    keys = set(facts.values_list("document_key", flat=True).distinct())
    live = set(Document.objects.filter(idempotency_key__in=keys, state__in=PUBLISHABLE)
               .values_list("idempotency_key", flat=True))  # fmt: skip
    orphans = keys - live
    if not orphans:
        return
    with transaction.atomic(using=alias):
        stale = list(facts.filter(document_key__in=orphans).values_list("id", flat=True))
        counts = {"inserted": 0, "updated": 0, "deleted": len(stale), "unchanged": 0}
        batch = _write(alias, [], stale, counts, timezone.now(), trigger)
    result.deleted += len(stale)
    result.batches.append(batch.pk)
    ledger_batch(batch)


def _mark_published(document_ids: list[int]) -> int:
    """confirmed → published for documents whose rows are in the store (each transition is ledgered)."""
    moved = 0
    with transaction.atomic():  # one commit for the chunk; each transition keeps its own savepoint
        for document in Document.objects.filter(pk__in=document_ids, state=S.CONFIRMED).select_related("entity"):
            try:
                document_transition(document, S.PUBLISHED, actor=ACTOR, reason="Published to the reporting store.")
                moved += 1
            except (StaleDocument, IllegalTransition):
                continue  # changed meanwhile: its new state is published by the next run
    return moved


# --- ledger (outbox) -----------------------------------------------------------------------------------------
def ledger_batch(batch: PublicationBatch) -> None:
    """Ledger one batch once (a batch already ledgered by an interrupted run is only marked)."""
    target = f"batch:{batch.pk}"
    with transaction.atomic():
        entry = LedgerEntry.objects.filter(kind=BATCH_KIND, target_id=target).first()
        if entry is None:
            entry = ledger_append(
                kind=BATCH_KIND, direction="outbound", actor=ACTOR, connector="reporting-store",
                target_model="reporting.publicationbatch", target_id=target,
                payload={"batch": batch.pk, "documents": batch.documents, "rows_seen": batch.rows_seen,
                         "inserted": batch.rows_inserted, "updated": batch.rows_updated,
                         "unchanged": batch.rows_unchanged, "deleted": batch.totals.get("deleted_rows", 0),
                         "totals": batch.totals.get("written", {}), "trigger": batch.trigger},
            )  # fmt: skip
    PublicationBatch.objects.using(batch._state.db).filter(pk=batch.pk).update(ledger_sequence=entry.sequence)


def ledger_pending_batches() -> int:
    pending = list(PublicationBatch.objects.using(store_alias()).filter(ledger_sequence__isnull=True).order_by("id"))
    for batch in pending:
        ledger_batch(batch)
    return len(pending)


def fact_totals(alias: str | None = None) -> Counter:
    """{company currency: total} over the whole store (checks and the demo)."""
    totals = Counter()
    for currency, amount in FactExpenseLine.objects.using(alias or store_alias()).values_list(
        "company_currency", "amount_company"
    ):
        totals[currency] += amount or 0
    return totals
