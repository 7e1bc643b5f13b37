"""OdooGateway: the one object through which the console calls Odoo.

Contract:
- Every call goes through `execute()`: optional rate limit (token bucket shared by all workers), one server
  call, errors classified into `faults` classes (never a raw transport error). The secret never appears in
  logs or exceptions.
- A method that fails only because it returned None (XML-RPC can't marshal None) is a success: the change is
  committed; the result is None and the caller reads the record back.
- Reads (`search_read`, `read`, …) are retried once when a reused keep-alive connection turned out to be dead;
  writes are never resent by the gateway (a `TransientOdooError` with `.outcome_unknown` tells the caller to
  look the record up before retrying).
- One gateway may be shared by threads (transports are thread-safe); create one per connector and reuse it so
  connections are kept alive.
"""

import logging
import time
from collections.abc import Iterator

from apps.connectors.odoo import importing, report
from apps.connectors.odoo.config import OdooConfig
from apps.connectors.odoo.faults import OdooError, TransientOdooError, classify, from_import_message, is_none_return
from apps.connectors.odoo.profiles import VersionProfile, parse_major, profile_for
from apps.connectors.odoo.transport import open_transport

log = logging.getLogger(__name__)

READ_METHODS = frozenset(
    {"search_read", "read", "search", "search_count", "fields_get", "check_access_rights", "name_search", "context_get"}
)


class OdooGateway:
    def __init__(self, config: OdooConfig):
        self.config = config
        self._transport = open_transport(config)
        self._version_info: dict | None = None
        self._fields: dict[str, set[str]] = {}
        self.call_count = 0  # server calls made through execute() (attempts, including a resent read)

    def __repr__(self) -> str:
        return f"OdooGateway({self.config!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._transport.close()

    # --- server facts -------------------------------------------------------------------------------------
    def fetch_version_info(self) -> dict:
        """`common.version()` (no credentials needed); cached for `version` and `profile`."""
        try:
            self._version_info = self._transport.version()
        except Exception as exc:
            raise classify(exc, model="common", method="version") from exc
        return self._version_info

    @property
    def version_info(self) -> dict:
        return self._version_info or self.fetch_version_info()

    @property
    def version(self) -> str:
        return str(self.version_info.get("server_version", ""))

    @property
    def profile(self) -> VersionProfile:
        return profile_for(parse_major(self.version_info))

    @property
    def uid(self) -> int:
        try:
            return self._transport.uid()
        except Exception as exc:
            raise classify(exc, model="common", method="authenticate") from exc

    def login(self) -> int:
        """Authenticate now (otherwise the first call does) and return the user id."""
        return self.uid

    def test_connection(self) -> "report.ConnectionReport":
        """Version, database, user, companies and the access rights the user lacks; never raises."""
        return report.test_connection(self)

    # --- the one call path --------------------------------------------------------------------------------
    def _throttle(self) -> None:
        if not (self.config.rate_limit_key and self.config.rate_per_second > 0):
            return
        from apps.connectors.ratelimit import RateLimited, acquire  # needs Django; only when a limit is set

        try:
            acquire(self.config.rate_limit_key, rate=self.config.rate_per_second, burst=self.config.rate_burst)
        except RateLimited as exc:
            raise TransientOdooError(str(exc), retry_after=exc.wait, kind="rate_limited") from exc

    def execute(self, model: str, method: str, args: list | tuple = (), kw: dict | None = None):
        """One `execute_kw` (or JSON-2 call); returns Odoo's result, raises an `OdooError` subclass."""
        self._throttle()
        args, kw = list(args), {k: v for k, v in (kw or {}).items() if v is not None}
        for attempt in (1, 2):
            started = time.perf_counter()
            self.call_count += 1
            try:
                result = self._transport.execute_kw(model, method, args, kw)
            except Exception as exc:
                if is_none_return(exc):
                    log.debug("odoo %s.%s returned None (committed)", model, method)
                    return None
                error = classify(exc, model=model, method=method)
                if attempt == 1 and _retry_read(error, method):
                    continue
                raise error from exc
            log.debug("odoo %s.%s %.1f ms", model, method, (time.perf_counter() - started) * 1000)
            return result
        raise AssertionError("unreachable")

    # --- ORM ----------------------------------------------------------------------------------------------
    def search_read(self, model, domain, fields, *, limit=None, offset=0, order=None, context=None) -> list[dict]:
        """The server's own search_read: one call, one transaction (not odoolib's search + read)."""
        kw = {"fields": list(fields), "offset": offset or None, "limit": limit, "order": order, "context": context}
        return self.execute(model, "search_read", [list(domain)], kw)

    def search_read_all(self, model, domain, fields, *, page_size=500, context=None) -> Iterator[list]:
        """Pages of up to `page_size` rows in id order, one call per page, until a short page.

        Keyset paging (`id > last id seen`), not OFFSET: no deep offsets on big tables, and rows created while
        paging cannot shift a page and be read twice or skipped.
        """
        last_id = 0
        while True:
            page_domain = [*domain, ["id", ">", last_id]]
            page = self.search_read(model, page_domain, fields, limit=page_size, order="id", context=context)
            if page:
                yield page
                last_id = page[-1]["id"]
            if len(page) < page_size:
                return

    def fields(self, model: str) -> set[str]:
        """The field names `model` has on this server (one `fields_get` per model and gateway)."""
        if model not in self._fields:
            self._fields[model] = set(self.execute(model, "fields_get", [], {"attributes": ["type"]}))
        return self._fields[model]

    def read(self, model, ids, fields, *, context=None) -> list[dict]:
        ids = [ids] if isinstance(ids, int) else list(ids)
        return self.execute(model, "read", [ids], {"fields": list(fields), "context": context})

    def search(self, model, domain, *, limit=None, offset=0, order=None, context=None) -> list[int]:
        kw = {"offset": offset or None, "limit": limit, "order": order, "context": context}
        return self.execute(model, "search", [list(domain)], kw)

    def search_count(self, model, domain, *, context=None) -> int:
        return self.execute(model, "search_count", [list(domain)], {"context": context})

    def create(self, model, vals_or_list, *, context=None):
        """A dict → its id; a list → ids, in one call from Odoo 12 on, one call per record before.

        When a per-record loop fails halfway, the error carries `.created_ids` (what Odoo already committed).
        """
        kw = {"context": context}
        if isinstance(vals_or_list, dict):
            result = self.execute(model, "create", [vals_or_list], kw)
            return result[0] if isinstance(result, list) else result
        items = list(vals_or_list)
        if not items:
            return []
        if self.profile.multi_create:
            result = self.execute(model, "create", [items], kw)
            return list(result) if isinstance(result, list) else [result]
        created: list[int] = []
        for vals in items:
            try:
                created.append(self.execute(model, "create", [vals], kw))
            except OdooError as error:
                error.created_ids = created
                raise
        return created

    def write(self, model, ids, vals, *, context=None) -> bool:
        ids = [ids] if isinstance(ids, int) else list(ids)
        return self.execute(model, "write", [ids, vals], {"context": context})

    def unlink(self, model, ids, *, context=None) -> bool:
        ids = [ids] if isinstance(ids, int) else list(ids)
        return self.execute(model, "unlink", [ids], {"context": context})

    def call(self, model, method, ids_or_args=(), **kw):
        """Any public method. A list/int is the record ids; a tuple is the positional arguments.

        Returns Odoo's result, or None when the method returned None (XML-RPC's fault for that is success).
        """
        if isinstance(ids_or_args, tuple):
            args = list(ids_or_args)
        else:
            args = [[ids_or_args] if isinstance(ids_or_args, int) else list(ids_or_args)]
        return self.execute(model, method, args, kw)

    # --- external ids and posting -----------------------------------------------------------------------------
    def lookup_external_id(self, module: str, name: str) -> tuple[str, int] | None:
        rows = self.search_read(
            "ir.model.data", [["module", "=", module], ["name", "=", name]], ["model", "res_id"], limit=1
        )
        return (rows[0]["model"], rows[0]["res_id"]) if rows else None

    def create_external_id(self, module: str, name: str, model: str, res_id: int) -> int:
        vals = {"module": module, "name": name, "model": model, "res_id": res_id, "noupdate": True}
        return self.create("ir.model.data", vals)

    def create_external_ids(self, rows: list[dict]) -> list[int]:
        """Many `ir.model.data` rows ({module, name, model, res_id, noupdate}) in one call: a list create from
        Odoo 12 on; before, Odoo's import (`load`), which creates them all or none — one call, not one per row."""
        if self.profile.multi_create or not rows:
            return self.create("ir.model.data", rows)
        columns = ["module", "name", "model", "res_id", "noupdate"]  # res_id: an integer, not a many2one
        table = [[str(int(row[c])) if c in ("res_id", "noupdate") else row[c] for c in columns] for row in rows]
        return self._import("ir.model.data", columns, table)

    def load(self, model: str, vals_list: list[dict], xmlids: list[str] | None = None) -> list[int]:
        """Create records through Odoo's import in one call, all or none (Odoo 11's only way to create many at
        once); `xmlids` ("module.name", one per record) tags each as it is created. The values are those `create`
        takes, with one2many lines as (0, 0, vals) and many2many as (6, 0, ids) or (4, id) commands; see
        `importing.table`. A refused import raises the error a create would have raised."""
        return self._import(model, *importing.table(vals_list, xmlids))

    def _import(self, model: str, columns: list[str], rows: list[list[str]]) -> list[int]:
        answer = self.execute(model, "load", [columns, rows], {})
        if not answer.get("ids"):
            errors = [m["message"] for m in answer.get("messages", []) if m.get("type") == "error"]
            raise from_import_message(errors[0] if errors else "Odoo imported nothing.", model=model, method="load")
        return list(answer["ids"])

    def post_moves(self, ids) -> None:
        """Post many journal entries in one call (`post` on 11, `action_post` on 16+)."""
        ids = [ids] if isinstance(ids, int) else list(ids)
        if ids:
            self.call("account.move", self.profile.post_method, ids)


def _retry_read(error: OdooError, method: str) -> bool:
    """Resend only reads, and only when the connection died (a stale keep-alive socket)."""
    return method in READ_METHODS and isinstance(error, TransientOdooError) and error.kind == "connection_lost"
