"""The one small interface every connector backend implements, and the result it reports.

A backend is the only code that touches the network for its adapter. It declares:
- `options_schema`: option name → `Option` (type, required, default, choices, bounds, help), checked by
  `validate_options` (unknown options, wrong types and sensitive names are refused: secrets go in credentials);
- `sensitive_parameters`: names whose values are secrets wherever they appear (options, payloads, reports);
- `credential_kinds`: the credential kinds it uses, the main one first (empty: needs none);
- `url_schemes` / `requires_base_url` / `protocols` / `requires_database`: what the connector form accepts;
- `test_connection(connector, credential_secret) -> dict` (see `result`): never raises for a failure of the
  remote system, and never puts `credential_secret` into the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Option:
    type: type
    required: bool = False
    default: object = None
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    help: str = ""


def result(
    ok: bool,
    message: str,
    *,
    latency_ms: int | None = None,
    server_version: str = "",
    auth_failed: bool = False,
    details: dict | None = None,
) -> dict:
    """The connection-test report every backend returns (JSON-serialisable, secret-free)."""
    return {
        "ok": ok,
        "message": message[:500],
        "latency_ms": latency_ms,
        "server_version": server_version,
        "auth_failed": auth_failed,
        "details": details or {},
    }


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = int((time.perf_counter() - self.start) * 1000)


class Backend:
    name: str = ""
    label: str = ""
    connector_kinds: tuple[str, ...] = ()
    credential_kinds: tuple[str, ...] = ()
    url_schemes: tuple[str, ...] = ("http", "https")
    requires_base_url: bool = True
    requires_database: bool = False
    protocols: tuple[str, ...] = ()
    options_schema: dict[str, Option] = {}
    sensitive_parameters: frozenset[str] = frozenset()

    def validate_options(self, options) -> dict:
        """Checked and completed options (defaults filled in); raises ValidationError({"options": [...]})."""
        if options in (None, ""):
            options = {}
        if not isinstance(options, dict):
            raise ValidationError({"options": 'Options must be a JSON object, e.g. {"timeout": 30}.'})
        errors, clean = [], {}
        for name in sorted(set(options) - set(self.options_schema)):
            if name.lower() in self.sensitive_parameters or looks_secret(name):
                errors.append(f"“{name}” is a secret: store it as a credential, not in the options.")
            else:
                known = ", ".join(sorted(self.options_schema)) or "none"
                errors.append(f"Unknown option “{name}” for the {self.label} adapter (known: {known}).")
        for name, spec in self.options_schema.items():
            problem, value = _check_option(name, spec, options.get(name, spec.default))
            if problem:
                errors.append(problem)
            elif value is not None:
                clean[name] = value
        if errors:
            raise ValidationError({"options": errors})
        return clean

    def test_connection(self, connector, credential_secret: str | None) -> dict:
        raise NotImplementedError


def scrub(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced: remote systems sometimes echo what they were sent."""
    text = str(text)
    if secret:
        text = text.replace(secret, "[redacted]")
    return text[:500]


def looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("password", "secret", "token", "api_key", "apikey"))


def _check_option(name: str, spec: Option, value) -> tuple[str, object]:
    if value is None or value == "":
        return (f"Option “{name}” is required." if spec.required else ""), None
    expected = (int, float) if spec.type is float else spec.type
    if (spec.type is not bool and isinstance(value, bool)) or not isinstance(value, expected):
        return f"Option “{name}” must be a {spec.type.__name__}, not {type(value).__name__}.", None
    if spec.choices and value not in spec.choices:
        return f"Option “{name}” must be one of {', '.join(map(str, spec.choices))}.", None
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        return f"Option “{name}” must be between {spec.min} and {spec.max}.", None
    if isinstance(value, str) and len(value) > 300:
        return f"Option “{name}” is too long (300 characters at most).", None
    return "", value
