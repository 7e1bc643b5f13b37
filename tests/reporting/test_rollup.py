"""The hourly operations rollup: ledger entries folded once each, incrementally, with a latency histogram."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.ledger.services import ledger_append_many
from apps.reporting.models import OpsHourly
from apps.reporting.services.rollup import fold, latency_metric, metrics_of, ops_rollup
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)
T0 = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


def test_fold_counts_outcomes_lines_and_latency_per_hour_and_entity():
    entries = [
        (1, T0, "document.received", "ok", "FR", "k1", ""),
        (2, T0, "document.received", "duplicate", "FR", "k1", ""),
        (3, T0 + timedelta(minutes=50), "document.posted", "ok", "FR", "k1", ""),
        (4, T0, "document.mapped", "ok", "DE", "k2", "Temporary failure, retry in 30 s: timeout"),
        (5, T0, "document.mapped", "ok", "DE", "k2", ""),
        (6, T0, "ledger.verified", "ok", "", "", ""),
    ]
    counts = fold(entries, {"k1": (T0 - timedelta(minutes=3), 4)})

    ten, eleven = T0.replace(minute=0), T0.replace(hour=11, minute=0)
    assert counts == {(ten, "FR", "received"): 1, (ten, "FR", "duplicate_received"): 1,
                      (eleven, "FR", "posted"): 1, (eleven, "FR", "lines_posted"): 4,
                      (eleven, "FR", "latency_le_1h"): 1, (ten, "DE", "retry"): 1}  # fmt: skip


@pytest.mark.parametrize(("seconds", "metric"), [(30, "latency_le_1m"), (60, "latency_le_1m"), (61, "latency_le_5m"),
                                                 (86400 * 30, "latency_le_inf")])  # fmt: skip
def test_latency_buckets_have_inclusive_upper_bounds(seconds, metric):
    assert latency_metric(seconds) == metric


def test_a_retry_is_a_release_back_to_mapped_for_a_temporary_failure():
    assert metrics_of("document.mapped", "ok", "Temporary failure, retry in 5 s") == "retry"
    assert metrics_of("document.mapped", "ok", "") is None


def received(n, entity="FR"):
    return [{"kind": "document.received", "direction": "inbound", "entity": entity, "document": f"k{i}"}
            for i in range(n)]  # fmt: skip


def test_rollup_is_incremental_and_counts_each_entry_once(db):
    ledger_append_many(received(3))
    assert ops_rollup() == 3
    assert ops_rollup() == 0
    ledger_append_many(received(2) + received(1, "DE"))

    ops_rollup()

    totals = {(r.entity, r.metric): r.count for r in OpsHourly.objects.all() if r.metric == "received"}
    assert totals == {("FR", "received"): 5, ("DE", "received"): 1}
