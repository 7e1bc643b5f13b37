"""API pull flows: a flow whose source is an Expensify or SAP Concur connector pulls approved reports first.

    is_pull_flow(flow) -> bool
    flow_pull(flow=…, run=None) -> PullOutcome     # sync_run_execute calls it before it collects the documents
    flow_cursor(flow) -> str | None                # where the flow's next pull starts

One pull (schedule, Run now, `manage.py run_flow <slug>`):
1. read the flow's cursor and page through the platform (apps.documents.pull): rate limited per platform
   account (Expensify: 50 jobs a minute), transient failures retried after Retry-After (or a backoff);
2. in ONE transaction, store every normalized report through the document intake the webhook uses
   (`document_receive`: idempotent by key, revision derived from content) and open a `schema_invalid`
   worklist item for each report that did not normalize (nothing is dropped, the run goes on);
3. only after that transaction committed: advance the cursor and, on Expensify, label the stored reports
   (`markAsExported`). A crash before the commit re-reads the same reports; a crash between the commit and the
   label exports them again and intake answers `duplicate`.
The cursor is the flow's latest `pull.cursor` ledger entry (its `target_id`): append-only, so every move of
it is on record, and it needs no table of its own. A failed pull counts one failure on the run (with the
reason in its message); the documents already received are still posted by the same run.
"""

import json
import logging
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from apps.connectors.errors import CredentialUnavailable
from apps.connectors.ratelimit import RateLimited, acquire
from apps.connectors.services.health import connector_mark_auth_failed, connector_pause_reason
from apps.connectors.services.secrets import credential_secret_for_use
from apps.documents.errors import SchemaError
from apps.documents.normalize.concur import ConcurConvention
from apps.documents.normalize.expensify import ExpensifyConvention
from apps.documents.pull import PullBatch, PullError
from apps.documents.pull import concur as concur_pull
from apps.documents.pull import expensify as expensify_pull
from apps.documents.services import document_intake_refuse, document_receive
from apps.entities.models import LegalEntity
from apps.ledger.models import LedgerEntry
from apps.ledger.services import ledger_append
from apps.sync.models import SyncRun
from apps.worklist.services import worklist_item_open, worklist_items_resolve_for

logger = logging.getLogger(__name__)

PULL_ADAPTERS = ("expensify", "concur")
CURSOR_KIND = "pull.cursor"
# Expensify allows 50 jobs started per minute per partner. A token bucket of burst B refilled at r per second
# admits at most B + 60·r jobs in any minute: 5 + 45 = 50.
EXPENSIFY_RATE, EXPENSIFY_BURST = 45 / 60, 5
ATTEMPTS = 3  # per pull, for transient platform failures
MAX_WAIT = 65.0  # longest single wait honoured (Expensify asks for 60 s after a rate-limit answer)


@dataclass
class PullOutcome:
    received: int = 0  # reports stored as new documents (or new revisions)
    duplicates: int = 0  # reports the console already had, unchanged
    invalid: int = 0  # reports that did not normalize: one schema_invalid worklist item each
    calls: int = 0  # platform calls (jobs) made
    cursor: str | None = None
    error: str = ""

    def summary(self, connector_slug: str) -> str:
        if self.error:
            return f"Pull from {connector_slug} failed: {self.error}"[:500]
        return (f"Pulled from {connector_slug}: {self.received} new, {self.duplicates} unchanged, "
                f"{self.invalid} invalid (worklist); {self.calls} platform calls.")  # fmt: skip


def is_pull_flow(flow) -> bool:
    return flow.source.adapter in PULL_ADAPTERS


def flow_cursor(flow) -> str | None:
    entry = LedgerEntry.objects.filter(kind=CURSOR_KIND, flow=flow.slug).order_by("-sequence").first()
    return (entry.target_id or None) if entry else None


def flow_pull(*, flow, run: SyncRun | None = None, sleep=time.sleep) -> PullOutcome:
    """Pull what the flow's source platform has since the flow's cursor into documents (see the module doc).
    Never raises for a platform failure: the outcome carries it (and the run gets one failure and the reason)."""
    connector, outcome = flow.source, PullOutcome(cursor=flow_cursor(flow))
    correlation = run.correlation_id if run else None
    paused = connector_pause_reason(connector)
    if paused:
        outcome.error = f"{connector.name} is paused: {paused}"
    else:
        try:
            batch = _fetch(flow, outcome.cursor, sleep)
        except PullError as error:
            outcome.error = str(error)
            if error.auth:
                connector_mark_auth_failed(connector=connector, message=str(error), actor="worker")
        except RateLimited as error:
            outcome.error = f"the platform's rate limit leaves no room now ({error}); the next run continues."
        except CredentialUnavailable as error:
            outcome.error = str(error)
        else:
            outcome.calls = batch.calls
            _store(flow, batch, outcome, correlation)
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(message=outcome.summary(connector.slug),
                                                 failed=F("failed") + (1 if outcome.error else 0))  # fmt: skip
    return outcome


# --- fetching ----------------------------------------------------------------------------------------------


def _fetch(flow, cursor: str | None, sleep) -> PullBatch:
    """The platform's batch since `cursor`, retrying transient failures (a pull has no side effect on the
    platform: nothing is labelled before the commit)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with _client(flow.source) as client:
                return _pull(flow.source, client, cursor)
        except PullError as error:
            if not error.transient or attempt == ATTEMPTS:
                raise
            wait = error.retry_after if error.retry_after is not None else 2**attempt + random.uniform(0, 1)
            if wait > MAX_WAIT:
                raise
            logger.info("pull from %s: %s; retrying in %.1fs", flow.source.slug, error, wait)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _client(connector):
    secret = credential_secret_for_use(connector)
    timeout = float(connector.options.get("timeout", 20.0))
    if connector.adapter == "expensify":
        partner = connector.options.get("partner_user_id", "")
        return expensify_pull.ExpensifyClient(
            _expensify_base(connector.base_url), partner, secret, timeout=timeout,
            throttle=lambda: acquire(f"expensify:{partner}", rate=EXPENSIFY_RATE, burst=EXPENSIFY_BURST,
                                     max_wait=MAX_WAIT),
        )  # fmt: skip
    client_secret, refresh_token = _concur_secret(secret)
    token = concur_pull.fetch_token(connector.base_url, client_id=connector.options.get("client_id", ""),
                                    client_secret=client_secret, refresh_token=refresh_token)  # fmt: skip
    rate = connector.rate_limit_per_second
    throttle = (lambda: acquire(f"connector:{connector.slug}", rate=rate, max_wait=MAX_WAIT)) if rate > 0 else None
    return concur_pull.ConcurClient(connector.base_url, token, timeout=timeout, throttle=throttle)


def _expensify_base(url: str) -> str:
    """The connector's URL is Expensify's endpoint (what its connection test posts to); the client wants the host."""
    url = url.rstrip("/")
    return url[: -len(expensify_pull.PATH)] if url.endswith(expensify_pull.PATH) else url


def _concur_secret(secret: str) -> tuple[str, str]:
    """A Concur credential is the OAuth client secret, or {"client_secret", "refresh_token"} when the company
    authorised the app with a refresh token (both rotate together, so they are one credential version)."""
    if secret.lstrip().startswith("{"):
        try:
            data = json.loads(secret)
        except ValueError:
            raise PullError("The Concur credential is not valid JSON; store it again.", transient=False) from None
        return str(data.get("client_secret", "")), str(data.get("refresh_token", ""))
    return secret, ""


def _entity_codes(connector) -> list[str]:
    return list(connector.entities.values_list("code", flat=True))


def _default_entity(connector) -> str:
    """A connector serving one entity and mapping no policy: every report is that entity's. Once policies are
    mapped, a report of an unmapped policy is refused (schema_invalid) rather than guessed."""
    if connector.options.get("entity_by_policy"):
        return ""
    codes = _entity_codes(connector)
    return codes[0] if len(codes) == 1 else ""


def _pull(connector, client, cursor: str | None) -> PullBatch:
    options, default = connector.options, _default_entity(connector)
    if connector.adapter == "expensify":
        convention = ExpensifyConvention(entity_by_policy=options.get("entity_by_policy") or {},
                                         default_entity=default)  # fmt: skip
        return expensify_pull.pull_expensify(client, cursor=cursor, convention=convention)
    convention = ConcurConvention(entity_by_policy=options.get("entity_by_policy") or {},
                                  entity_custom_field=options.get("entity_custom_field", ""),
                                  tax_code_field=options.get("tax_code_field", ""), default_entity=default)  # fmt: skip
    return concur_pull.pull_concur(client, cursor=cursor, convention=convention)


# --- storing -----------------------------------------------------------------------------------------------


def _store(flow, batch: PullBatch, outcome: PullOutcome, correlation: str | None) -> None:
    connector, actor = flow.source, f"pull:{flow.source.slug}"
    stored: list[str] = []
    with transaction.atomic():
        for pulled in batch.documents:
            try:
                with transaction.atomic():  # savepoint: a refused report leaves the others stored
                    _, created = document_receive(canonical=pulled.document, connector_slug=connector.slug,
                                                  source_system=connector.adapter, raw_payload=pulled.raw,
                                                  actor=actor, correlation_id=correlation,
                                                  revision_from_content=True)  # fmt: skip
            except SchemaError as error:  # e.g. a policy mapped to an entity the console does not know
                _refuse(flow, pulled.document.source_id, pulled.raw, error, correlation)
                outcome.invalid += 1
                continue
            stored.append(pulled.document.source_id)
            outcome.received += created
            outcome.duplicates += not created
            worklist_items_resolve_for(subject_key=_subject(connector, pulled.document.source_id), actor="worker",
                                       note="The report was pulled again and is valid now.",
                                       categories=["schema_invalid"])  # fmt: skip
        for refused in batch.invalid:
            _refuse(flow, refused.source_id, refused.raw, refused.error, correlation)
            outcome.invalid += 1
        previous, outcome.cursor = outcome.cursor, batch.cursor
        transaction.on_commit(lambda: _after_commit(flow, previous, batch.cursor, stored, correlation))


def _subject(connector, source_id: str) -> str:
    return f"pull:{connector.slug}:{source_id}"


def _refuse(flow, source_id: str, raw, error: SchemaError, correlation) -> None:
    connector = flow.source
    entity = _entity_of(connector, raw)
    document_intake_refuse(connector_slug=connector.slug, source_system=connector.adapter, raw_payload=raw,
                           errors=error.errors, actor=f"pull:{connector.slug}", source_id=source_id,
                           entity=entity.code if entity else "")  # fmt: skip
    problems = "; ".join(f"{path}: {message}" if path else message for path, message in error.errors)
    worklist_item_open(category="schema_invalid", subject_key=_subject(connector, source_id), entity=entity,
                       message=f"{connector.name} report {source_id} is not a valid expense report.",
                       detail=f"{problems}\nFix it on the platform (or the connector's options); the next pull "
                              "reads it again.",
                       connector=connector.slug, flow=flow.slug, stage="intake", actor="worker",
                       context={"source_id": source_id, "errors": [list(e) for e in error.errors]})  # fmt: skip


def _entity_of(connector, raw) -> LegalEntity | None:
    """The legal entity of a refused report, when its policy names one the console knows (to route the item)."""
    report = raw.get("report", raw) if isinstance(raw, dict) else {}
    policy = report.get("policyID") or report.get("policyId") if isinstance(report, dict) else None
    code = (connector.options.get("entity_by_policy") or {}).get(policy) if isinstance(policy, str) else None
    code = code or _default_entity(connector)
    return LegalEntity.objects.filter(code=code).first() if code else None


def _after_commit(flow, previous: str | None, cursor: str | None, stored: list[str], correlation) -> None:
    """The documents are committed: move the cursor, then label the reports on Expensify."""
    connector = flow.source
    if cursor != previous:
        ledger_append(kind=CURSOR_KIND, direction="internal", actor="worker", flow=flow.slug,
                      connector=connector.slug, source_system=connector.adapter, target_id=cursor or "",
                      payload={"previous": previous, "cursor": cursor, "reports": len(stored)},
                      correlation_id=correlation)  # fmt: skip
    if connector.adapter != "expensify" or not stored:
        return
    try:
        with _client(connector) as client:
            client.mark_exported(stored)
    except (PullError, RateLimited) as error:
        # Not labelled: the next export lists them again and intake answers `duplicate`. On record, not fatal.
        outcome = "failed"
        reason = f"markAsExported failed: {error}"[:500]
    else:
        outcome, reason = "ok", ""
    ledger_append(kind="pull.marked_exported", direction="outbound", actor="worker", flow=flow.slug,
                  connector=connector.slug, source_system="expensify", outcome=outcome, reason=reason,
                  payload={"label": expensify_pull.DEFAULT_LABEL, "reports": stored},
                  correlation_id=correlation)  # fmt: skip
