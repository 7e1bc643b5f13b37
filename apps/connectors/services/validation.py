"""Input checks shared by the connector and credential services. Every check collects field errors and raises
one `ValidationError({field: [messages]})`, so a form shows all problems at once and nothing is written."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connectors.backends import UnknownAdapter, adapter_choices, get_backend
from apps.connectors.models import Connector, ConnectorKind, CredentialKind
from apps.connectors.vault import MAX_SECRET_LENGTH

MAX_REASON_LENGTH = 500
RESERVED_SLUGS = frozenset({"new", "credentials", "versions"})  # URL words under /connectors/


class Errors(dict):
    def add(self, field: str, message) -> None:
        self.setdefault(field, []).extend(message if isinstance(message, list) else [message])

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def connector_fields(data: dict, *, instance: Connector | None = None) -> dict:
    """The cleaned connector fields of `data`, or ValidationError naming each bad field."""
    errors, clean = Errors(), dict(data)
    _check_identity(data, instance, errors)
    backend = _check_adapter(data, errors)
    if backend is not None:
        _check_endpoint(data, backend, errors, clean)
        try:
            clean["options"] = backend.validate_options(data.get("options"))
        except ValidationError as error:
            errors.add("options", error.message_dict["options"])
    rate = data.get("rate_limit_per_second", 0.0)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1000:
        errors.add("rate_limit_per_second", "Give a number of calls per second between 0 (no limit) and 1000.")
    grace = data.get("rotation_grace_hours", 24)
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= 720:
        errors.add("rotation_grace_hours", "Give a whole number of hours between 0 and 720 (30 days).")
    errors.raise_if_any()
    return clean


def _check_identity(data, instance, errors: Errors) -> None:
    name = (data.get("name") or "").strip()
    others = Connector.objects.exclude(pk=instance.pk) if instance else Connector.objects.all()
    if not name:
        errors.add("name", "Give the connector a name.")
    elif len(name) > 100:
        errors.add("name", "The name is too long (100 characters at most).")
    elif others.filter(name__iexact=name).exists():
        errors.add("name", f"A connector named “{name}” already exists.")
    if instance is None:
        slug = data.get("slug") or ""
        try:
            validate_slug(slug)
            if len(slug) > 60:
                errors.add("slug", "The slug is too long (60 characters at most).")
            elif slug in RESERVED_SLUGS:
                errors.add("slug", f"“{slug}” is a reserved word; choose another slug.")
            elif others.filter(slug=slug).exists():
                errors.add("slug", f"The slug “{slug}” is taken.")
        except ValidationError:
            errors.add("slug", "Use lower-case letters, digits, '-' or '_' (e.g. odoo-production).")
    if data.get("kind") not in ConnectorKind.values:
        errors.add("kind", f"Choose one of {', '.join(ConnectorKind.values)}.")


def _check_adapter(data, errors: Errors):
    adapter = data.get("adapter") or ""
    try:
        backend = get_backend(adapter)
    except UnknownAdapter:
        names = ", ".join(name for name, _ in adapter_choices())
        errors.add("adapter", f"Unknown adapter “{adapter}”; choose one of {names}.")
        return None
    if data.get("kind") in ConnectorKind.values and data["kind"] not in backend.connector_kinds:
        kinds = ", ".join(backend.connector_kinds)
        errors.add("adapter", f"The {backend.label} adapter serves {kinds} connectors, not {data['kind']}.")
    return backend


def _check_endpoint(data, backend, errors: Errors, clean: dict) -> None:
    url = (data.get("base_url") or "").strip()
    clean["base_url"] = url
    if not url:
        if backend.requires_base_url:
            errors.add("base_url", f"The {backend.label} adapter needs a base URL.")
    elif problem := url_problem(url, backend.url_schemes):
        errors.add("base_url", problem)
    database = (data.get("database") or "").strip()
    clean["database"] = database
    if backend.requires_database and not database:
        errors.add("database", f"The {backend.label} adapter needs a database name.")
    elif len(database) > 100:
        errors.add("database", "The database name is too long (100 characters at most).")
    protocol = (data.get("protocol") or "").strip()
    if backend.protocols:
        clean["protocol"] = protocol or backend.protocols[0]
        if clean["protocol"] not in backend.protocols:
            errors.add("protocol", f"Choose one of {', '.join(backend.protocols)}.")
    elif protocol:
        errors.add("protocol", f"The {backend.label} adapter has no protocol choice; leave it empty.")


def url_problem(url: str, schemes: tuple[str, ...]) -> str:
    """Why `url` is not acceptable for a connector, or "" when it is."""
    if len(url) > 300:
        return "The URL is too long (300 characters at most)."
    try:
        URLValidator(schemes=list(schemes))(url)
    except ValidationError:
        return f"Enter a valid URL starting with {' or '.join(s + '://' for s in schemes)}."
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "Do not put a user name or password in the URL: store the secret as a credential."
    if parts.query or parts.fragment:
        return "The base URL must not have a query string or fragment."
    return ""


@sensitive_variables()
def secret_value(secret, errors: Errors, field: str = "secret") -> None:
    if not isinstance(secret, str) or not secret.strip():
        errors.add(field, "Enter the secret (it cannot be empty).")
    elif len(secret) > MAX_SECRET_LENGTH:
        errors.add(field, f"The secret is too long ({MAX_SECRET_LENGTH} characters at most).")
    elif secret != secret.strip() or "\n" in secret:
        errors.add(field, "The secret has leading/trailing spaces or a line break; paste it without them.")


def expiry(expires_at, errors: Errors, field: str = "expires_at") -> None:
    if expires_at is None:
        return
    if not isinstance(expires_at, dt.datetime):
        errors.add(field, "Give a date and time.")
    elif expires_at <= timezone.now():
        errors.add(field, "The expiry date is in the past; give a future date or leave it empty.")


def credential_kind(kind, backend, errors: Errors, field: str = "kind") -> None:
    allowed = allowed_credential_kinds(backend)
    if kind not in CredentialKind.values:
        errors.add(field, f"Choose one of {', '.join(CredentialKind.values)}.")
    elif kind not in allowed:
        errors.add(field, f"The {backend.label} adapter uses {', '.join(allowed)} credentials, not {kind}.")


def allowed_credential_kinds(backend) -> list[str]:
    """The backend's own kinds, plus a webhook signing secret for any platform that can push to us."""
    kinds = list(backend.credential_kinds)
    if "expense_platform" in backend.connector_kinds and "webhook_secret" not in kinds:
        kinds.append("webhook_secret")
    return kinds


def reason(text, errors: Errors, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        errors.add(field, "Give a reason: it is recorded in the audit trail.")
    elif len(text) > MAX_REASON_LENGTH:
        errors.add(field, f"The reason is too long ({MAX_REASON_LENGTH} characters at most).")
    return text
