"""The operations dashboard: figures from the rollup and live tables, scoped to the user's entities."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.reporting.models import OpsHourly
from apps.reporting.selectors.dashboard import DashboardQuery, DashboardQueryError, dashboard_data, percentile
from apps.worklist.services import worklist_item_open
from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture
def activity(entities):
    """Two hours of FR and DE activity in the rollup, and one open FR exception two days old."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    figures = {"received": 10, "posted": 8, "lines_posted": 30, "held": 1, "rejected": 1, "retry": 3,
               "duplicate_received": 2, "latency_le_1m": 2, "latency_le_5m": 5, "latency_le_1h": 1}  # fmt: skip
    for code, factor in (("FR", 1), ("DE", 10)):
        OpsHourly.objects.bulk_create([OpsHourly(hour=hour, entity=code, metric=m, count=n * factor)
                                       for m, n in figures.items()])  # fmt: skip
    item = worklist_item_open(category="invalid_tax", subject_key="document:x", message="Tax FR-99 unknown.",
                              entity=entities["FR"])  # fmt: skip
    type(item).objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(days=2))


def data_for(user, **params):
    return dashboard_data(user=user, query=DashboardQuery.parse(user, params))


def test_controller_sees_only_their_entities(activity, controller):
    data = data_for(controller)

    assert data["kpis"]["received"] == 10 and data["kpis"]["posted"] == 8
    assert data["kpis"]["success_rate"] == 80.0 and data["kpis"]["retries"] == 3 and data["kpis"]["duplicates"] == 2
    assert data["kpis"]["documents_per_hour"] == round(10 / 24, 1)
    assert data["kpis"]["p50"] == "≤ 5m" and data["kpis"]["p95"] == "≤ 1h"
    assert data["exceptions"]["categories"][0]["ages"] == [0, 1, 0, 0]


def test_auditor_sees_every_entity_and_may_narrow_to_one(activity, auditor):
    assert data_for(auditor)["kpis"]["received"] == 110
    assert data_for(auditor, entity="DE")["kpis"]["received"] == 100


def test_an_entity_outside_the_scope_is_refused(activity, controller):
    with pytest.raises(DashboardQueryError) as error:
        DashboardQuery.parse(controller, {"entity": "DE"})
    assert error.value.field == "entity"


def test_custom_period_must_be_ordered(controller):
    with pytest.raises(DashboardQueryError, match="before the start"):
        DashboardQuery.parse(controller, {"period": "custom", "from": "2026-11-30", "to": "2026-11-01"})


def test_percentile_reads_the_histogram():
    assert percentile({"1m": 50, "5m": 45, "1h": 5}, 0.5) == "≤ 1m"
    assert percentile({"1m": 50, "5m": 45, "1h": 5}, 0.95) == "≤ 5m"
    assert percentile({}, 0.5) is None


def test_dashboard_page_renders_kpis_charts_data_and_no_inline_script(activity, client_for, controller):
    response = client_for(controller).get(reverse("reporting:dashboard"), {"period": "7d"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-data"' in html and 'id="chart-throughput"' in html
    assert "vendor/chart.umd.js" in html and "js/dashboard.js" in html
    scripts = [part.split(">", 1)[0] for part in html.split("<script")[1:]]
    assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts)


def test_a_bad_period_answers_400_with_the_field(client_for, controller):
    response = client_for(controller).get(reverse("reporting:dashboard"), {"period": "forever"})
    assert response.status_code == 400 and b'data-field="period"' in response.content


def test_dashboard_api_answers_the_same_figures(activity, client_for, auditor):
    response = client_for(auditor).get(reverse("reporting-api:dashboard"), {"entity": "FR"})
    assert response.status_code == 200 and response.json()["kpis"]["received"] == 10
