"""API rate limits: per user and per anonymous address, from settings (env), 429 + Retry-After + error body."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client

URL = "/api/v1/access/tokens/"


@pytest.fixture
def rates(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"user": "3/min", "anon": "2/min"}
    yield settings.API_THROTTLE_RATES
    cache.clear()


def test_a_user_past_the_rate_gets_429_with_retry_after_and_the_error_body(rates, client_for, controller, auditor):
    client = client_for(controller)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["error"]["code"] == "throttled" and body["detail"] == body["error"]["message"]
    assert client_for(auditor).get(URL).status_code == 200  # counted per user


def test_the_limit_counts_token_requests_of_the_same_user(rates, controller):
    from apps.access.tokens import api_token_create

    token = api_token_create(actor=controller, name="script").secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_bad_tokens_are_slowed_to_the_anonymous_rate(rates, db):
    client = Client(HTTP_AUTHORIZATION="Bearer ic_0123abcd_" + "x" * 43)
    assert [client.get(URL).status_code for _ in range(3)] == [401, 401, 429]
    assert client.get(URL)["Retry-After"]
    other_address = Client(HTTP_AUTHORIZATION="Bearer ic_0123abcd_" + "x" * 43, REMOTE_ADDR="10.0.0.9")
    assert other_address.get(URL).status_code == 401


def test_an_empty_rate_turns_the_limit_off(rates, settings, client_for, controller):
    settings.API_THROTTLE_RATES = {"user": None, "anon": None}
    client = client_for(controller)
    assert {client.get(URL).status_code for _ in range(6)} == {200}


def test_rates_come_from_the_environment(settings):
    env = {**os.environ, "API_THROTTLE_USER": "5/second", "API_THROTTLE_ANON": ""}
    env["DJANGO_SETTINGS_MODULE"] = "integration_console.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.API_THROTTLE_RATES)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
    ).stdout
    assert "'user': '5/second'" in out and "'anon': None" in out
