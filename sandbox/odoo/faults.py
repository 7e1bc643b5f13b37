"""Runtime fault injection: latency, random errors, status bursts/windows, outages, drops after commit."""

from __future__ import annotations

import random
import threading
import time

DEFAULTS = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "error_kind": "serialization",  # serialization | http500 | http502 | http503
    "error_seed": 42,
    "status_burst": None,  # {"status": 429|503, "count": n, "retry_after": s}
    "status_window": None,  # {"status": 503, "seconds": s, "retry_after": s} (until = start + seconds)
    "outage_seconds": 0,  # connections are closed without an answer until the outage ends
    "drop_after_commit": None,  # {"model": m, "method": f, "count": n}: commit, then close without answer
}
ERROR_KINDS = ("serialization", "http500", "http502", "http503")


class FaultConfigError(ValueError):
    """A fault setting that cannot be applied; the message names the field."""


class Faults:
    """Thread-safe fault state; `decide()` is asked once per RPC request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.config = dict(DEFAULTS)
            self.outage_until = 0.0
            self.window_until = 0.0
            self.rng = random.Random(DEFAULTS["error_seed"])
            self.injected = 0

    def update(self, values: dict) -> dict:
        """Replace the plan with `values` (unset settings return to their defaults, so `{}` switches every
        fault off); with `"merge": true` only the given settings change. Validates everything first."""
        if not isinstance(values, dict):
            raise FaultConfigError("body: a JSON object is required")
        unknown = set(values) - set(DEFAULTS) - {"reset", "merge"}
        if unknown:
            raise FaultConfigError(f"{sorted(unknown)[0]}: unknown fault setting")
        clean = {k: self._validate(k, v) for k, v in values.items() if k not in ("reset", "merge")}
        if values.get("reset") or not values.get("merge"):
            self.reset()
        with self.lock:
            self.config.update(clean)
            now = time.monotonic()
            if clean.get("outage_seconds"):
                self.outage_until = now + clean["outage_seconds"]
            if "status_window" in clean:
                window = clean["status_window"]
                self.window_until = now + window["seconds"] if window else 0.0
            if "error_seed" in clean:
                self.rng = random.Random(clean["error_seed"])
        return self.snapshot()

    @staticmethod
    def _validate(key, value):
        try:
            if key == "latency_ms":
                value = int(value)
                assert 0 <= value <= 60000
            elif key == "error_rate":
                value = float(value)
                assert 0.0 <= value <= 1.0
            elif key == "error_kind":
                assert value in ERROR_KINDS
            elif key in ("error_seed",):
                value = int(value)
            elif key == "outage_seconds":
                value = float(value)
                assert 0 <= value <= 3600
            elif key in ("status_burst", "status_window") and value:
                value = {
                    "status": int(value.get("status", 503)),
                    "count": int(value.get("count", 1)),
                    "seconds": float(value.get("seconds", 0)),
                    "retry_after": int(value.get("retry_after", 1)),
                }
                assert value["status"] in (429, 500, 502, 503, 504)
            elif key == "drop_after_commit" and value:
                value = {
                    "model": str(value.get("model", "*")),
                    "method": str(value.get("method", "*")),
                    "count": int(value.get("count", 1)),
                }
        except (AssertionError, TypeError, ValueError, AttributeError):
            raise FaultConfigError(f"{key}: invalid value {value!r}") from None
        return value

    def snapshot(self) -> dict:
        with self.lock:
            data = dict(self.config)
            now = time.monotonic()
            data["outage_remaining"] = round(max(0.0, self.outage_until - now), 3)
            data["window_remaining"] = round(max(0.0, self.window_until - now), 3)
            data["injected"] = self.injected
            return data

    def before_request(self):
        """None, ("drop",) for an outage, or ("status", code, retry_after) for an HTTP error answer."""
        with self.lock:
            now = time.monotonic()
            if now < self.outage_until:
                self.injected += 1
                return ("drop",)
            window = self.config["status_window"]
            if window and now < self.window_until:
                self.injected += 1
                return ("status", window["status"], max(1, int(self.window_until - now + 0.999)))
            burst = self.config["status_burst"]
            if burst and burst["count"] > 0:
                burst["count"] -= 1
                self.injected += 1
                return ("status", burst["status"], burst["retry_after"])
            rate = self.config["error_rate"]
            if rate and self.rng.random() < rate:
                self.injected += 1
                kind = self.config["error_kind"]
                if kind == "serialization":
                    return ("serialization",)
                return ("status", int(kind[4:]), None)
        return None

    def latency(self) -> float:
        return self.config["latency_ms"] / 1000.0

    def should_drop(self, model: str, method: str) -> bool:
        with self.lock:
            rule = self.config["drop_after_commit"]
            if not rule or rule["count"] <= 0:
                return False
            if rule["model"] not in ("*", model) or rule["method"] not in ("*", method):
                return False
            rule["count"] -= 1
            self.injected += 1
            return True
