"""The sign-in credential paths leave no secret behind: wrong and right passwords, personal API tokens (created in
the page and the API, then used), and the TOTP key of a two-factor enrolment.

After the scenario, no page or API answer of the URL × role matrix (fetched by the user, with the token too),
no log record (DEBUG), no ledger row and — for passwords and tokens — no row of any table holds a secret. The
token is shown once, in its creation answer; the TOTP key only on the enrolment page, before it is confirmed.
"""

import base64
import logging
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from tests.access.url_matrix import URLS
from tests.conftest import PASSWORD
from tests.connectors.test_secrets_never_leak import _all_rows_text, _text

pytestmark = pytest.mark.django_db
WRONG_PASSWORD = "WrongPassword-Secret-7c3a91e2d4"


def _code(key: bytes, offset: int = 0) -> str:
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * offset
    return f"{totp.token():06d}"


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("latin-1") + str(response.headers)


@pytest.fixture
def access_scenario(client, controller, entities, caplog):
    """Every credential path of sign-in, run by the FR controller; returns {name: secret} and the answers seen."""
    from apps.access.models import TwoFactorDevice

    caplog.set_level(logging.DEBUG)
    answers = []
    for _ in range(2):  # wrong passwords (below the lockout), then the right one
        answers.append(client.post(reverse("access:login"), {"username": "controller", "password": WRONG_PASSWORD}))
    answers.append(client.post(reverse("access:login"), {"username": "controller", "password": PASSWORD}))
    assert "_auth_user_id" in client.session

    page_token = client.post(reverse("access:token_create"), {"name": "page script", "expires_in_days": 30})
    assert page_token.status_code == 201
    api_token = client.post(
        reverse("access-api:token-list"), {"name": "api script", "read_only": True}, content_type="application/json"
    )
    assert api_token.status_code == 201
    secrets = {"page token": page_token.context["issued"].secret, "api token": api_token.json()["token"]}
    for secret in secrets.values():  # each token is used once, as a script would
        used = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(reverse("ledger-api:entry-list"))
        assert used.status_code == 200
        answers.append(used)

    setup = client.get(reverse("access:two_factor_setup"))  # opt in to two-factor
    key = TwoFactorDevice.objects.get(user=controller).bin_key
    totp_secret = base64.b32encode(key).decode().rstrip("=")
    assert totp_secret[:16] in setup.content.decode().replace(" ", "")  # shown once, to enrol the phone
    assert client.post(reverse("access:two_factor_setup"), {"code": _code(key)}).status_code == 302
    client.logout()
    client.post(reverse("access:login"), {"username": "controller", "password": PASSWORD})
    client.post(reverse("access:login_verify"), {"code": _code(key, offset=1)})
    assert "_auth_user_id" in client.session
    secrets.update({"totp key (base32)": totp_secret, "totp key (hex)": key.hex()})
    return {"secrets": secrets, "answers": answers, "client": client}


def _assert_absent(text: str, secrets: dict, where: str) -> None:
    for name, secret in secrets.items():
        assert secret not in text, f"the {name} leaked into {where}"


def test_no_page_or_api_answer_after_the_scenario_holds_a_sign_in_secret(access_scenario, entities):
    from tests.access.samples import build_samples

    secrets = {**access_scenario["secrets"], "password": PASSWORD, "wrong password": WRONG_PASSWORD}
    for answer in access_scenario["answers"]:
        _assert_absent(_body(answer), secrets, "an answer of the scenario")
    samples = build_samples(entities)
    web = access_scenario["client"]
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {access_scenario['secrets']['page token']}")
    fetched = 0
    for name, route in sorted(URLS.items()):
        if route.method != "GET":
            continue
        url = reverse(name, kwargs=route.kwargs(samples))
        for who, client in (("session", web), ("token", bearer) if "/api/" in url else (None, None)):
            if client is None:
                continue
            response = client.get(url, route.data(samples))
            assert response.status_code < 500, (name, who, response.status_code)
            _assert_absent(_body(response), secrets, f"GET {name} ({who})")
            fetched += 1
    assert fetched >= 50


def test_no_log_record_holds_a_sign_in_secret(access_scenario, caplog):
    records = caplog.get_records("setup")
    assert any("AXES" in r.getMessage() or "login" in r.getMessage().lower() for r in records)  # it logged
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args} {r.exc_text or ''}" for r in records)
    secrets = {**access_scenario["secrets"], "password": PASSWORD, "wrong password": WRONG_PASSWORD}
    _assert_absent(text, secrets, "the logs")


def test_no_table_row_holds_a_password_or_a_token_and_the_ledger_holds_no_totp_key(access_scenario):
    rows = _all_rows_text()
    plain = {name: s for name, s in access_scenario["secrets"].items() if "totp" not in name}
    _assert_absent(rows, {**plain, "password": PASSWORD, "wrong password": WRONG_PASSWORD}, "a table row")
    # The TOTP key must be stored to check codes (django-otp keeps it in its device row); nowhere else.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.*, p.* FROM ledger_ledgerentry e LEFT JOIN ledger_ledgerpayload p ON p.sequence = e.sequence"
        )
        ledger = "\n".join(" ".join(_text(v) for v in row) for row in cursor.fetchall())
    assert ledger, "the scenario wrote no ledger entry"
    _assert_absent(ledger, access_scenario["secrets"], "the ledger")
