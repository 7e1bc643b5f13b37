"""/metrics for Prometheus, protected by a bearer token (settings.METRICS_TOKEN).

No token configured → 404 (the endpoint does not exist); a missing or wrong token → 401. Never open, never a
session: scrapers authenticate with `Authorization: Bearer <token>` only. Figures come from indexed aggregates
(the ledger rollup, grouped counts), so a scrape costs a handful of small queries.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from apps.reporting.selectors.metrics import metric_families

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _authorised(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    header = request.headers.get("Authorization", "")
    scheme, _, offered = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())


@require_GET
def metrics(request):
    if not _authorised(request):
        response = HttpResponse("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n", status=401,
                                content_type="text/plain")  # fmt: skip
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(metric_families()), content_type=CONTENT_TYPE)


def _escape(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(families: list[tuple[str, str, str, list[tuple[dict, float]]]]) -> str:
    """Prometheus text exposition format 0.0.4 of [(name, type, help, [(labels, value)])]."""
    lines = []
    for name, kind, help_text, samples in families:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{name}{{{label_text}}} {_number(value)}" if label_text else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def _number(value) -> str:
    if value is None:
        return "NaN"
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
