"""The operations dashboard's figures for a period and a set of entities, from indexed aggregates only.

    query = DashboardQuery.parse(user, request.GET)      # period + entity, validated against the user's scope
    data = dashboard_data(user=user, query=query)        # dict: kpis, charts, tables

Sources: OpsHourly (the ledger rollup: throughput, outcomes, retries, duplicates, latency histogram),
WorklistItem (open exceptions by category and age), Document (dead letters now), Connector / CredentialVersion
(health, expiries), SyncRun / ReportingRun (last run per flow). Every query is bounded by an index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from apps.documents.models import Document
from apps.documents.states import DocumentState
from apps.reporting.models import OpsHourly, ReportingRun, ReportingRunKind
from apps.reporting.selectors.scope import operations_entities, sees_unscoped
from apps.reporting.services.rollup import LATENCY_BUCKETS
from apps.worklist.models import ACTIVE_STATUSES, WorklistCategory, WorklistItem

PERIODS = {"24h": ("Last 24 hours", timedelta(hours=24)), "7d": ("Last 7 days", timedelta(days=7)),
           "30d": ("Last 30 days", timedelta(days=30))}  # fmt: skip
AGES = [("< 1 day", 1), ("1–3 days", 3), ("3–7 days", 7), ("> 7 days", None)]
OUTCOMES = [("posted", "Posted"), ("held", "Held"), ("rejected", "Rejected"), ("dead_letter", "Dead letter")]


class DashboardQueryError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DashboardQuery:
    start: datetime
    end: datetime
    label: str
    period: str
    entity: str  # "" = every entity in scope
    codes: tuple[str, ...]
    unscoped: bool

    @classmethod
    def parse(cls, user, params, *, now: datetime | None = None) -> DashboardQuery:
        """Validate `period` (24h, 7d, 30d, month, custom with from/to dates) and `entity` (a code in scope)."""
        now = now or timezone.now()
        scope = list(operations_entities(user).values_list("code", flat=True))
        entity = (params.get("entity") or "").strip().upper()
        if entity and entity not in scope:
            raise DashboardQueryError("entity", f"Entity {entity} is not one you may see.")
        period = params.get("period") or "24h"
        start, end, label = _period(period, params, now)
        codes = (entity,) if entity else tuple(scope)
        return cls(start, end, label, period, entity, codes, unscoped=not entity and sees_unscoped(user))


def _date(params, name: str) -> date:
    try:
        return date.fromisoformat(params.get(name) or "")
    except ValueError:
        raise DashboardQueryError(name, "Give a date as YYYY-MM-DD.") from None


def _period(period: str, params, now: datetime) -> tuple[datetime, datetime, str]:
    if period in PERIODS:
        label, span = PERIODS[period]
        end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return end - span, end, label
    zone = timezone.get_current_timezone()
    if period == "month":
        first = timezone.localdate(now).replace(day=1)
        return datetime.combine(first, time(), zone), now, f"{first:%B %Y} to date"
    if period == "custom":
        first, last = _date(params, "from"), _date(params, "to")
        if first > last:
            raise DashboardQueryError("to", "The end date is before the start date.")
        if (last - first).days > 400:
            raise DashboardQueryError("from", "Choose at most 400 days.")
        return (datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone),
                f"{first} to {last}")  # fmt: skip
    raise DashboardQueryError("period", "Choose 24h, 7d, 30d, month or custom.")


def _rollup(query: DashboardQuery):
    entities = list(query.codes) + ([""] if query.unscoped else [])
    return OpsHourly.objects.filter(hour__gte=query.start, hour__lt=query.end, entity__in=entities)


def percentile(histogram: dict[str, int], share: float) -> str | None:
    """The bucket bound below which `share` of the documents were posted ("≤ 5m"), None without data."""
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for _bound, label in LATENCY_BUCKETS:
        seen += histogram.get(label, 0)
        if seen >= share * total:
            return "> 7d" if label == "inf" else f"≤ {label}"
    return None


def _series(query: DashboardQuery, metrics: tuple[str, ...]) -> dict:
    """Per hour (windows up to 72 h) or per day, bucketed by the database in the current time zone."""
    hourly = (query.end - query.start) <= timedelta(hours=72)
    rows = (_rollup(query).filter(metric__in=metrics).annotate(bucket=TruncHour("hour") if hourly else TruncDay("hour"))
            .values("bucket", "metric").annotate(n=Sum("count")).order_by("bucket"))  # fmt: skip
    buckets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        when = timezone.localtime(row["bucket"])
        buckets[when.strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d")][row["metric"]] += row["n"]
    labels = sorted(buckets)
    return {"labels": labels, "unit": "hour" if hourly else "day",
            "series": {m: [buckets[label][m] for label in labels] for m in metrics}}  # fmt: skip


def _totals(query: DashboardQuery) -> dict[str, int]:
    return {r["metric"]: r["n"] for r in _rollup(query).values("metric").annotate(n=Sum("count"))}


def _exceptions(query: DashboardQuery, now: datetime) -> dict:
    """Open worklist items of the entities by category and age (one grouped query)."""
    whens = [
        When(created_at__gt=now - timedelta(days=days), then=Value(i)) for i, (_l, days) in enumerate(AGES) if days
    ]
    rows = (WorklistItem.objects.filter(status__in=ACTIVE_STATUSES, entity__code__in=query.codes)
            .annotate(age=Case(*whens, default=Value(len(AGES) - 1), output_field=IntegerField()))
            .values("category", "age").annotate(n=Count("id")))  # fmt: skip
    table: dict[str, list[int]] = defaultdict(lambda: [0] * len(AGES))
    for row in rows:
        table[row["category"]][row["age"]] += row["n"]
    names = dict(WorklistCategory.choices)
    categories = sorted(table, key=lambda c: (-sum(table[c]), c))
    return {"categories": [{"category": c, "label": names.get(c, c), "ages": table[c], "total": sum(table[c])}
                           for c in categories],
            "ages": [a for a, _ in AGES], "total": sum(sum(v) for v in table.values())}  # fmt: skip


def _connectors(user, now: datetime) -> list[dict]:
    from apps.connectors.models import CredentialVersion
    from apps.connectors.selectors import connector_list

    connectors = list(connector_list(user))
    expiries = defaultdict(list)
    for version in CredentialVersion.objects.filter(
        status="active", expires_at__isnull=False, credential__connector__in=connectors
    ).select_related("credential"):
        expiries[version.credential.connector_id].append(version)
    out = []
    for connector in connectors:
        soonest = min(expiries[connector.pk], key=lambda v: v.expires_at, default=None)
        out.append({"name": connector.name, "slug": connector.slug, "kind": connector.get_kind_display(),
                    "health": connector.health_state, "checked_at": connector.health_checked_at,
                    "latency_ms": connector.health_latency_ms, "message": connector.health_message,
                    "expires_at": soonest.expires_at if soonest else None,
                    "expires_in_days": (soonest.expires_at - now).days if soonest else None})  # fmt: skip
    return out


def _runs(user) -> list[dict]:
    from apps.sync.models import SyncRun
    from apps.sync.selectors import flow_list

    latest = SyncRun.objects.filter(flow=OuterRef("pk")).order_by("-created_at", "-id")
    flows = flow_list(user).annotate(run_id=Subquery(latest.values("id")[:1]))
    runs = SyncRun.objects.in_bulk([f.run_id for f in flows if f.run_id])
    out = [{"flow": f.name, "kind": "flow", "run": runs.get(f.run_id)} for f in flows]
    if sees_unscoped(user) or user.has_perm("reporting.run_reporting"):
        for kind, label in ReportingRunKind.choices:
            out.append(
                {
                    "flow": label,
                    "kind": "reporting",
                    "run": ReportingRun.objects.filter(kind=kind).order_by("-started_at", "-id").first(),
                }
            )
    return out


def dashboard_data(*, user, query: DashboardQuery, now: datetime | None = None) -> dict:
    """Everything the dashboard shows (see the module docstring)."""
    now = now or timezone.now()
    totals = _totals(query)
    hours = max(1.0, (min(query.end, now) - query.start).total_seconds() / 3600)
    finished = sum(totals.get(m, 0) for m, _ in OUTCOMES)
    histogram = {label: totals.get(f"latency_le_{label}", 0) for _b, label in LATENCY_BUCKETS}
    exceptions = _exceptions(query, now)
    kpis = {
        "documents_per_hour": round(totals.get("received", 0) / hours, 1),
        "lines_per_hour": round(totals.get("lines_posted", 0) / hours, 1),
        "received": totals.get("received", 0), "posted": totals.get("posted", 0),
        "success_rate": round(100 * totals.get("posted", 0) / finished, 1) if finished else None,
        "retries": totals.get("retry", 0),
        "duplicates": totals.get("duplicate_received", 0) + totals.get("duplicate_posting", 0),
        "dead_letters": totals.get("dead_letter", 0),
        "dead_letters_now": Document.objects.filter(state=DocumentState.DEAD_LETTER,
                                                    entity__code__in=query.codes).count(),
        "p50": percentile(histogram, 0.5), "p95": percentile(histogram, 0.95),
        "open_exceptions": exceptions["total"],
    }  # fmt: skip
    throughput = _series(query, ("received", "lines_posted", "posted"))
    charts = {
        "throughput": throughput,
        "outcomes": {"labels": [label for _m, label in OUTCOMES], "values": [totals.get(m, 0) for m, _ in OUTCOMES]},
        "latency": {"labels": [("> 7d" if b == "inf" else f"≤ {b}") for _x, b in LATENCY_BUCKETS],
                    "values": list(histogram.values())},
        "exceptions": {"labels": [c["label"] for c in exceptions["categories"]], "ages": exceptions["ages"],
                       "values": [c["ages"] for c in exceptions["categories"]]},
    }  # fmt: skip
    return {"kpis": kpis, "charts": charts, "exceptions": exceptions, "connectors": _connectors(user, now),
            "runs": _runs(user), "totals": totals}  # fmt: skip
