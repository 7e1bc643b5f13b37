"""/metrics: Prometheus text behind a bearer token; never open."""

import pytest

from apps.reporting.metrics import render
from apps.reporting.models import OpsHourly
from tests.reporting.conftest import DATABASES

pytestmark = [pytest.mark.django_db(databases=DATABASES)]
TOKEN = "scrape-token-0123456789"


def test_no_token_configured_means_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


def test_a_logged_in_session_is_not_enough(client_for, auditor, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client_for(auditor).get("/metrics").status_code == 401


def test_metrics_expose_documents_events_queue_tasks_odoo_and_worklist(client, settings, entities):
    settings.METRICS_TOKEN = TOKEN
    from django.utils import timezone

    OpsHourly.objects.create(hour=timezone.now().replace(minute=0, second=0, microsecond=0), entity="FR",
                             metric="posted", count=7)  # fmt: skip

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    for family in (
        "ic_documents",
        "ic_queue_depth",
        "ic_task_runs",
        "ic_odoo_errors_total",
        "ic_odoo_calls_total",
        "ic_worklist_open_items",
        "ic_odoo_latency_seconds",
    ):
        assert f"# TYPE {family} " in text
    assert 'ic_document_events_total{entity="FR",event="posted"} 7' in text
    assert TOKEN not in text


def test_render_escapes_label_values():
    text = render([("x", "gauge", "help", [({"a": 'q"\\\n'}, 1.5), ({}, None)])])
    assert 'x{a="q\\"\\\\\\n"} 1.5' in text and "x NaN" in text
