"""Active legal entities by code, cached per process: every inbound document names its entity, and on the webhook
path that look-up was a round trip of its own for an answer that changes a few times a year.

    active_entity(code) -> LegalEntity | None   # id and code loaded; other fields load when read

Freshness as for the webhook connectors (integration_console.process_cache): a save or delete of a LegalEntity
empties the cache at once in this process; in other processes an entry lives at most TTL seconds, so a
deactivated entity stops receiving documents everywhere within 5 s. Unknown and inactive codes are not cached.
"""

from django.db import router

from apps.entities.models import LegalEntity
from integration_console.process_cache import ProcessCache
from integration_console.sql import select_values


class _ActiveEntities(ProcessCache):
    def get(self, code: str) -> int | None:
        pk = self.fresh(code)
        if pk is not None:
            return pk
        started = self.loading()
        rows = select_values(LegalEntity, ["id"], code=code, active=True)
        if not rows:
            self.forget(code)
            return None
        self.store(code, rows[0][0], started)
        return rows[0][0]


_cache = _ActiveEntities(LegalEntity, name="active-entities")


def active_entity(code: str) -> LegalEntity | None:
    """The active legal entity of this code (its id and code loaded; other fields load when read), or None."""
    pk = _cache.get(code)
    return None if pk is None else LegalEntity.from_db(router.db_for_read(LegalEntity), ["id", "code"], [pk, code])


def clear() -> None:
    """Forget every entry (tests: a rolled-back test sends no signal for what it undid)."""
    _cache.clear()
