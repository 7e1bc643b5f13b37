"""The chaos: SIGKILLed workers, a worker killed between Odoo's commit and ours, Odoo outages, a 429 storm.

    events = chaos_plan(duration=…, kills=…, window_kills=…, outage=…, storm=…, seed=…)
    monkey = Monkey(events, clusters=[Service…], sandbox=handle, odoo=OdooProbe(handle), deadline=…)
    monkey.start(); …; monkey.join(timeout)      # monkey.figures: what was done and what landed

Event kinds (times in seconds after the traffic starts):
- `kill`: SIGKILL one random qcluster (its whole process group), restart it 0.5–2 s later.
- `window_kill`: every Odoo call made slow (800 ms, before the call runs), wait for the next `account.move.create`
  to reach Odoo, and SIGKILL every qcluster right after Odoo committed it — before our side records the outcome.
  Documents then left `posting` whose key Odoo already holds are counted as `window_hits` (the kill landed).
- `drop`: the sandbox's drop_after_commit on the next `account.move.create` (Odoo commits, the socket closes).
- `storm`: the next `count` RPC requests are answered 429 with `Retry-After`.
- `outage`: every connection is closed without an answer for `seconds`.
Faults are merged into the sandbox's plan (`"merge": true`), so one never switches another off.
"""

from __future__ import annotations

import random
import threading
import time
import xmlrpc.client
from dataclasses import dataclass, field

WINDOW_LATENCY_MS = 800
DROP_CREATE = {"model": "account.move", "method": "create", "count": 1}
PROBE_TIMEOUT = 60.0  # seconds for one XML-RPC call of the probe (a 2,000-move read takes well under 1 s)
KILL_GAP = 5.0  # seconds between two kills (a worker takes ~3 s to start)


@dataclass(order=True)
class Event:
    at: float
    kind: str
    args: dict = field(default_factory=dict, compare=False)


def _spread(times: list[float], gap: float) -> list[float]:
    """Push sorted times apart so two kills are at least `gap` seconds apart (a restart takes a moment)."""
    out = []
    for t in sorted(times):
        out.append(max(t, out[-1] + gap) if out else t)
    return out


def chaos_plan(
    *, duration: float, kills: int, window_kills: int, outage: float, storm: int, seed: int, retry_after: int = 5
) -> list[Event]:
    """The run's events. `kills` counts processes killed: a window kill kills every worker (2 here). Kills are
    at least KILL_GAP seconds apart, so a restarted worker is up before the next one lands."""
    rng = random.Random(seed + 2)
    d = max(duration, 10.0)
    events = [
        Event(0.12 * d, "storm", {"count": storm, "retry_after": retry_after}),
        Event(0.2 * d, "drop"),
        Event(0.45 * d, "outage", {"seconds": outage}),
        Event(0.65 * d, "drop"),
    ]
    windows = [(0.25 + 0.45 * i / max(1, window_kills - 1)) * d for i in range(window_kills)]
    singles = [rng.uniform(0.05 * d, 1.05 * d) for _ in range(max(0, kills - 2 * window_kills))]
    kinds = dict.fromkeys(windows, "window_kill") | dict.fromkeys(singles, "kill")
    for at, t in zip(_spread(sorted(kinds), gap=KILL_GAP), sorted(kinds), strict=True):
        events.append(Event(at, kinds[t]))
    return sorted(events)


class _TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = PROBE_TIMEOUT
        return connection


class OdooProbe:
    """The run's independent view of Odoo: plain XML-RPC as the sandbox admin (not the console's gateway)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def call(self, model: str, method: str, *args, **kw):
        sb = self.sandbox
        for attempt in range(4):
            proxy = xmlrpc.client.ServerProxy(f"{sb.url}/xmlrpc/2/object", allow_none=True,
                                              transport=_TimeoutTransport())  # fmt: skip
            try:
                return proxy.execute_kw(sb.database, sb.admin_uid, sb.password, model, method, list(args), kw)
            except xmlrpc.client.ProtocolError as error:
                # A 429 storm answers every RPC request, ours too: wait as a client would, a few times.
                retry_after = (error.headers or {}).get("Retry-After", "1")
                if error.errcode not in (429, 503) or attempt == 3:
                    raise
                time.sleep(min(5.0, float(retry_after) if str(retry_after).isdecimal() else 1.0))
        raise AssertionError("unreachable")

    def moves_by_ref(self, refs: list[str]) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for start in range(0, len(refs), 500):
            rows = self.call(
                "account.move",
                "search_read",
                [["ref", "in", refs[start : start + 500]]],
                fields=["ref", "state", "name"],
            )
            for row in rows:
                out.setdefault(row["ref"], []).append(row)
        return out

    def creates(self) -> int:
        return self.sandbox.stats()["calls"].get("method:account.move.create", 0)


class Monkey(threading.Thread):
    """Runs the chaos events on time (bounded by `deadline`, a time.monotonic() value); never raises."""

    def __init__(
        self, events: list[Event], *, clusters: list, sandbox, odoo: OdooProbe, deadline: float, seed: int, log=print
    ):
        super().__init__(name="chaos-monkey", daemon=True)
        self.events, self.clusters, self.sandbox, self.odoo = events, clusters, sandbox, odoo
        self.deadline, self.rng, self.log = deadline, random.Random(seed + 3), log
        self.stopping = threading.Event()
        self.figures = {
            "kills": 0,
            "window_kills": 0,
            "window_events": 0,
            "window_hits": 0,
            "restarts": 0,
            "drops": 0,
            "storms": 0,
            "outages": 0,
            "errors": [],
        }
        self.started_at = 0.0

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            for event in self.events:
                if not self._sleep_until(self.started_at + event.at):
                    break
                try:
                    getattr(self, f"_do_{event.kind}")(**event.args)
                except Exception as error:
                    self.figures["errors"].append(f"{event.kind}: {type(error).__name__}: {error}")
                    self.log(f"chaos: {event.kind} failed: {error}")
        finally:
            self._ensure_running()
            _close_db()

    def _sleep_until(self, moment: float) -> bool:
        wait = min(moment, self.deadline) - time.monotonic()
        if wait > 0:
            self.stopping.wait(wait)
        return not self.stopping.is_set() and time.monotonic() < self.deadline

    def _faults(self, plan: dict) -> None:
        self.sandbox.set_faults({**plan, "merge": True})

    # -- events ------------------------------------------------------------------------------------------------
    def _do_storm(self, count: int, retry_after: int) -> None:
        self._faults({"status_burst": {"status": 429, "count": count, "retry_after": retry_after}})
        self.figures["storms"] += 1
        self.log(f"chaos: 429 storm ({count} requests, Retry-After {retry_after} s)")

    def _do_drop(self) -> None:
        self._faults({"drop_after_commit": DROP_CREATE})
        self.figures["drops"] += 1
        self.log("chaos: drop-after-commit armed on account.move.create")

    def _drop_armed(self) -> bool:
        rule = self.sandbox.get_faults().get("drop_after_commit") or {}
        return rule.get("count", 0) > 0

    def drops_fired(self) -> int:
        """Drop-after-commit faults that went off (armed ones minus the one still waiting, if any)."""
        return self.figures["drops"] - (1 if self._drop_armed() else 0)

    def _do_outage(self, seconds: float) -> None:
        self._faults({"outage_seconds": seconds})
        self.figures["outages"] += 1
        self.log(f"chaos: Odoo outage for {seconds:.0f} s")

    def _do_kill(self) -> None:
        alive = [c for c in self.clusters if c.alive] or self.clusters
        victim = self.rng.choice(alive)
        victim.kill()
        self.figures["kills"] += 1
        self.log(f"chaos: SIGKILL {victim.name}")
        self.stopping.wait(self.rng.uniform(0.5, 2.0))
        victim.start()
        self.figures["restarts"] += 1

    def _do_window_kill(self) -> None:
        """Kill every worker just after Odoo committed a journal entry and before our side recorded it."""
        self.figures["window_events"] += 1
        self._wait_outage_over()  # the probe reads Odoo over XML-RPC, which an outage closes too
        self._wait_storm_over()  # and a worker answered 429 never reaches the create this event waits for
        already = self._caught_posting()  # left by an earlier kill: not this event's catch
        rearm = self._drop_armed()  # a drop would answer the create with a closed socket: the worker lives on
        before = self.odoo.creates()
        self._faults({"latency_ms": WINDOW_LATENCY_MS, "drop_after_commit": None})
        try:
            limit = min(self.deadline, time.monotonic() + 30)
            while self.odoo.creates() == before and time.monotonic() < limit and not self.stopping.is_set():
                time.sleep(0.02)
            if self.odoo.creates() == before:
                self.log("chaos: window kill skipped (no account.move.create within 30 s)")
                return
            time.sleep(0.15)  # the create has committed; the worker now waits ~800 ms for its next call
            for cluster in self.clusters:
                cluster.kill()
                self.figures["kills"] += 1
                self.figures["window_kills"] += 1
        finally:
            self._faults({"latency_ms": 0} | ({"drop_after_commit": DROP_CREATE} if rearm else {}))
        hits = len(self._caught_posting() - already)
        self.figures["window_hits"] += hits
        self.log(f"chaos: SIGKILL all workers between Odoo's commit and ours ({hits} document(s) caught posting)")
        self.stopping.wait(self.rng.uniform(0.5, 2.0))
        for cluster in self.clusters:
            cluster.start()
            self.figures["restarts"] += 1

    def _wait_outage_over(self) -> None:
        limit = min(self.deadline, time.monotonic() + 120)
        while self.sandbox.get_faults().get("outage_remaining", 0) > 0 and time.monotonic() < limit:
            self.stopping.wait(0.5)

    def _wait_storm_over(self) -> None:
        limit = min(self.deadline, time.monotonic() + 120)
        while ((self.sandbox.get_faults().get("status_burst") or {}).get("count", 0) > 0
               and time.monotonic() < limit and not self.stopping.is_set()):  # fmt: skip
            self.stopping.wait(0.5)

    def _caught_posting(self) -> set[str]:
        """Keys of documents still `posting` on our side whose journal entry Odoo already holds."""
        from apps.documents.models import Document

        keys = list(Document.objects.filter(state="posting").values_list("idempotency_key", flat=True))
        return {k for k, rows in self.odoo.moves_by_ref(keys).items() if rows} if keys else set()

    def _ensure_running(self) -> None:
        for cluster in self.clusters:
            if not cluster.alive:
                cluster.start()
                self.figures["restarts"] += 1


def _close_db() -> None:
    from django.db import connections

    connections.close_all()
