"""A token bucket per connector, shared by all processes through the database.

`acquire(key, rate=…, burst=…)` blocks until a token is free (or `max_wait` passes, then raises
RateLimited). The bucket row is locked for the few microseconds of the refill-and-take, so any number of
workers on any number of machines share one limit.
"""

import time

from django.db import transaction

from apps.connectors.models import RateLimitBucket


class RateLimited(Exception):
    def __init__(self, key: str, wait: float):
        super().__init__(f"rate limit of {key} would need a wait of {wait:.1f}s")
        self.wait = wait


def _take(key: str, rate: float, burst: float) -> float:
    """Take one token if there is one; return 0, or the seconds until the next token."""
    with transaction.atomic():
        now = time.time()
        bucket, created = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"tokens": burst - 1, "updated_at": now}
        )
        if created:
            return 0.0
        tokens = min(burst, bucket.tokens + (now - bucket.updated_at) * rate)
        if tokens >= 1:
            RateLimitBucket.objects.filter(key=key).update(tokens=tokens - 1, updated_at=now)
            return 0.0
        RateLimitBucket.objects.filter(key=key).update(tokens=tokens, updated_at=now)
        return (1 - tokens) / rate


def acquire(key: str, *, rate: float, burst: float | None = None, max_wait: float = 60.0, sleep=time.sleep) -> None:
    """Wait for one token of `key` (rate tokens per second, up to `burst` at once). rate <= 0 means no limit."""
    if rate <= 0:
        return
    burst = burst or max(1.0, rate)
    waited = 0.0
    while True:
        wait = _take(key, rate, burst)
        if wait == 0:
            return
        if waited + wait > max_wait:
            raise RateLimited(key, wait)
        sleep(wait)
        waited += wait
