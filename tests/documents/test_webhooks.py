"""Standard Webhooks signatures: valid, tampered, stale, rotated secrets."""

import base64
import hashlib
import hmac

import pytest

from apps.documents.webhooks import SignatureError, generate_secret, secret_key, sign, verify

NOW = 1_800_000_000
BODY = b'{"type":"card_transaction","id":"TX-9"}'
OLD, NEW = generate_secret(), generate_secret()


def test_signature_matches_the_convention_byte_for_byte():
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    headers = sign(secret, "msg_1", NOW, BODY)
    expected = base64.b64encode(hmac.new(b"k" * 32, b"msg_1.%d." % NOW + BODY, hashlib.sha256).digest()).decode()
    assert headers == {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": f"v1,{expected}"}


def test_valid_signature_returns_the_message_id():
    assert verify(sign(NEW, "msg_1", NOW, BODY), BODY, [NEW], now=NOW) == "msg_1"


def test_header_names_are_case_insensitive():
    headers = {k.title(): v for k, v in sign(NEW, "msg_1", NOW, BODY).items()}
    assert verify(headers, BODY, [NEW], now=NOW) == "msg_1"


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp", "signature"])
def test_tampered_message_is_refused(tamper):
    headers = sign(NEW, "msg_1", NOW, BODY)
    body = BODY
    if tamper == "body":
        body = BODY.replace(b"TX-9", b"TX-8")
    elif tamper == "id":
        headers["webhook-id"] = "msg_2"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(NOW + 1)
    else:
        headers["webhook-signature"] = "v1," + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(SignatureError, match="No valid signature"):
        verify(headers, body, [NEW], now=NOW)


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_stale_or_future_timestamp_is_refused(age):
    headers = sign(NEW, "msg_1", NOW - age, BODY)
    with pytest.raises(SignatureError, match="more than 300 seconds"):
        verify(headers, BODY, [NEW], now=NOW)


def test_timestamp_at_the_tolerance_edge_is_accepted():
    assert verify(sign(NEW, "msg_1", NOW - 300, BODY), BODY, [NEW], now=NOW) == "msg_1"


def test_rotation_accepts_a_message_signed_with_the_old_secret_while_both_are_current():
    assert verify(sign(OLD, "msg_1", NOW, BODY), BODY, [NEW, OLD], now=NOW) == "msg_1"


def test_sender_signing_with_both_secrets_passes_a_receiver_that_knows_only_one():
    headers = sign([OLD, NEW], "msg_1", NOW, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(headers, BODY, [NEW], now=NOW) == "msg_1"


def test_retired_secret_no_longer_verifies():
    with pytest.raises(SignatureError):
        verify(sign(OLD, "msg_1", NOW, BODY), BODY, [NEW], now=NOW)


def test_other_signature_versions_are_ignored():
    headers = sign(NEW, "msg_1", NOW, BODY)
    headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v2,")
    with pytest.raises(SignatureError):
        verify(headers, BODY, [NEW], now=NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_named(missing):
    headers = sign(NEW, "msg_1", NOW, BODY)
    del headers[missing]
    with pytest.raises(SignatureError, match=f"The {missing} header is missing"):
        verify(headers, BODY, [NEW], now=NOW)


def test_non_numeric_timestamp_is_refused():
    headers = {**sign(NEW, "msg_1", NOW, BODY), "webhook-timestamp": "2026-11-28T10:00:00Z"}
    with pytest.raises(SignatureError, match="Unix seconds"):
        verify(headers, BODY, [NEW], now=NOW)


def test_secret_must_follow_the_whsec_convention():
    with pytest.raises(ValueError, match="whsec_"):
        secret_key("plain-secret")
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_not base64!")
