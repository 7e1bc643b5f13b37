"""The chaos run's traffic: N expense reports over US/FR/DE, each delivered 1–3 times as a signed webhook.

    plan = delivery_plan(reports(n, seed=…), seed=…, rate=…)    # [Delivery] ordered by time
    sender = Sender(url, secret, threads=8)
    sender.run(plan, deadline=…)                               # bounded; answers in sender.answers

Reports use the demo mappings of `manage.py seed_demo` (apps/mappings/demo.py): the platform employees, the
categories, each entity's tax codes, projects and cost centres. Every report has its own merchant and amount
(the duplicate-suspicion policy would hold look-alikes). About 2 % carry a cost centre nobody mapped: they
must end held with a worklist item, never posted and never lost.

A redelivery reuses the message id (the platform retrying: answered `duplicate` by webhook id) or, one time in
three, gets a new one (the platform re-sending the event: answered `duplicate` by idempotency key). A third of
the multi-delivered reports send their deliveries at the same moment from different threads. A delivery the
web refuses with 5xx or a dropped connection is retried by the sender (as platforms do), up to 5 times.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from apps.documents.webhooks import sign

EMPLOYEES = {
    "US": ["jordan.lee@example.com", "sam.taylor@example.com"],
    "FR": ["camille.martin@example.com", "louis.bernard@example.com"],
    "DE": ["lena.schmidt@example.com", "jonas.weber@example.com"],
}
CURRENCY = {"US": "USD", "FR": "EUR", "DE": "EUR"}
TAX_CODES = {"US": ["US-EXEMPT"], "FR": ["FR-20", "FR-10"], "DE": ["DE-19", "DE-7"]}
CATEGORIES = ["TAXI", "MEALS", "HOTEL", "TRAIN"]
PROJECTS = ["PRJ-ALPHA", "PRJ-BETA", "PRJ-GAMMA"]
COST_CENTRES = ["CC-SALES", "CC-ENG", "CC-FIN", "CC-OPS"]
UNMAPPED_COST_CENTRE = "CC-NOWHERE"
HELD_SHARE = 0.02
SOURCE_PREFIX = "CHAOS"


def reports(n: int, *, seed: int, run: str) -> list[dict]:
    """`n` canonical expense reports (ids CHAOS-<run>-00001…), 1–3 lines each, deterministic for a seed."""
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        entity = ("US", "FR", "DE")[i % 3]
        source_id = f"{SOURCE_PREFIX}-{run}-{i:05d}"
        unmapped = rng.random() < HELD_SHARE
        lines = []
        for j in range(1, rng.choice((1, 1, 2, 3)) + 1):
            lines.append(
                {
                    "id": f"{source_id}-{j}",
                    "date": f"2026-11-{rng.randint(1, 28):02d}",
                    "amount": f"{rng.randint(5, 400)}.{(i * 7 + j) % 100:02d}",
                    "currency": CURRENCY[entity],
                    "category": rng.choice(CATEGORIES),
                    "tax_code": rng.choice(TAX_CODES[entity]),
                    "merchant": f"Merchant {i}-{j}",
                    "project": rng.choice(PROJECTS),
                    "cost_centre": UNMAPPED_COST_CENTRE if unmapped and j == 1 else rng.choice(COST_CENTRES),
                    "receipt": True,
                    "payment": "employee",
                }
            )
        out.append(
            {
                "type": "expense_report",
                "id": source_id,
                "revision": 1,
                "entity": entity,
                "employee": {"email": rng.choice(EMPLOYEES[entity])},
                "currency": CURRENCY[entity],
                "title": f"Chaos report {i}",
                "approved_at": "2026-11-30T10:00:00Z",
                "lines": lines,
            }
        )
    return out


@dataclass(order=True)
class Delivery:
    at: float  # seconds after the traffic starts
    seq: int
    source_id: str = field(compare=False)
    msg_id: str = field(compare=False)
    body: bytes = field(compare=False, repr=False)


def delivery_plan(items: list[dict], *, seed: int, rate: float) -> list[Delivery]:
    """Each report's first delivery at i / rate seconds; 0–2 redeliveries, concurrent or up to 15 s later."""
    rng = random.Random(seed + 1)
    plan, seq = [], 0
    for i, report in enumerate(items):
        body = json.dumps(report).encode()
        first = i / rate
        msg = f"msg_{report['id']}"
        copies = rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
        concurrent = copies > 1 and rng.random() < 1 / 3
        for copy in range(copies):
            at = first if copy == 0 or concurrent else first + rng.uniform(0.5, 15.0)
            msg_id = msg if copy == 0 or rng.random() < 2 / 3 else f"{msg}_again{copy}"
            plan.append(Delivery(at, seq, report["id"], msg_id, body))
            seq += 1
    return sorted(plan)


@dataclass
class Answer:
    source_id: str
    msg_id: str
    status: int  # 0: no answer (connection refused or dropped) after the retries
    body: dict
    tries: int


class Sender:
    """Posts the plan's deliveries on time from a thread pool; collects every final answer."""

    def __init__(self, url: str, secret: str, *, threads: int = 8, timeout: float = 30.0):
        self.url, self.secret, self.threads, self.timeout = url, secret, threads, timeout
        self.answers: list[Answer] = []
        self.retried = 0  # deliveries sent again after a 5xx or a dropped connection
        self.server_errors = 0  # 5xx answers seen (each one is a finding: the webhook must never 500)
        self._lock = threading.Lock()

    def run(self, plan: list[Delivery], *, deadline: float) -> float:
        """Send everything (bounded by the monotonic `deadline`); returns the seconds it took."""
        started = time.monotonic()
        with ThreadPoolExecutor(self.threads, thread_name_prefix="deliver") as pool:
            for delivery in plan:
                wait = started + delivery.at - time.monotonic()
                if wait > 0:
                    time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
                if time.monotonic() >= deadline:
                    break
                pool.submit(self._deliver, delivery, deadline)
        return time.monotonic() - started

    def _deliver(self, delivery: Delivery, deadline: float) -> None:
        status, body, tries = 0, {}, 0
        while tries < 5 and time.monotonic() < deadline:
            tries += 1
            status, body = self._post(delivery)
            if status and status < 500:
                break
            with self._lock:
                self.retried += 1
                self.server_errors += status >= 500
            time.sleep(min(0.5 * 2**tries, 4.0))
        with self._lock:
            self.answers.append(Answer(delivery.source_id, delivery.msg_id, status, body, tries))

    def _post(self, delivery: Delivery) -> tuple[int, dict]:
        headers = {
            "Content-Type": "application/json",
            **sign(self.secret, delivery.msg_id, int(time.time()), delivery.body),
        }
        request = urllib.request.Request(self.url, data=delivery.body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except OSError:
            return 0, {}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"raw": raw[:200].decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}


def summary(plan: list[Delivery], answers: list[Answer]) -> dict:
    """Deliveries sent and answered, by status, and which reports the console accepted (202 or 200)."""
    by_status: dict[str, int] = {}
    accepted = set()
    for answer in answers:
        by_status[str(answer.status)] = by_status.get(str(answer.status), 0) + 1
        if answer.status in (200, 202):
            accepted.add(answer.source_id)
    return {
        "deliveries_planned": len(plan),
        "deliveries_answered": len(answers),
        "answers": by_status,
        "accepted_reports": sorted(accepted),
    }
