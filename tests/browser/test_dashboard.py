"""The operations dashboard in real Chromium: the charts are drawn (canvas pixels), no script error."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.reporting.conftest import DATABASES

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const context = canvas.getContext("2d");
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return {painted, width: canvas.width, height: canvas.height, chart: !!window.Chart.getChart(canvas)};
}"""


@pytest.fixture
def activity(entities):
    from apps.reporting.models import OpsHourly
    from apps.worklist.services import worklist_item_open

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = []
    for hours_ago in range(1, 30):
        hour = now - timedelta(hours=hours_ago)
        for metric, count in {
            "received": 5 + hours_ago % 7,
            "posted": 4 + hours_ago % 5,
            "held": hours_ago % 2,
            "lines_posted": 12 + hours_ago % 9,
            "latency_le_5m": 3,
            "latency_le_1h": 1,
        }.items():
            rows.append(OpsHourly(hour=hour, entity="FR", metric=metric, count=count))
    OpsHourly.objects.bulk_create(rows)
    worklist_item_open(category="mapping_missing", subject_key="document:demo", message="Category X has no mapping.",
                       entity=entities["FR"])  # fmt: skip


def test_dashboard_draws_real_charts(page, login, screenshot, controller, activity):
    errors, assets = [], {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Console errors other than the browser's own favicon request: CSP refusals, script errors.
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("response", lambda r: assets.update({r.url.rsplit("/", 1)[-1]: r.status}) if "/static/" in r.url else None)
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/?period=7d")
    page.wait_for_selector("#chart-exceptions[data-rendered=true]")

    for chart in ("chart-throughput", "chart-outcomes", "chart-latency", "chart-exceptions"):
        drawn = page.evaluate(DRAWN, chart)
        assert drawn["chart"] and drawn["width"] > 100 and drawn["painted"] > 500, (chart, drawn)
    assert page.get_by_test_id("kpi-success").inner_text().endswith("%")
    assert not errors
    assert {name: assets.get(name) for name in ("chart.umd.js", "dashboard.js", "dashboard.css")} == {
        "chart.umd.js": 200,
        "dashboard.js": 200,
        "dashboard.css": 200,
    }
    screenshot(page, "dashboard-controller")


def test_dashboard_of_an_entity_outside_the_scope_shows_the_problem(page, login, controller, activity):
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    response = page.goto("/dashboard/?entity=DE")
    assert response.status == 400
    assert "not one you may see" in page.locator("[role=alert]").inner_text()
