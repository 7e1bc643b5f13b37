"""Exactly-once posting in the Odoo expense flow: expenses, their report, and each version's workflow.

    results = post_reports(gateway, plans)       # {report key: ReportResult}

1. Look up (2–3 calls): external ids of every report and expense key; reports by name (11–18); expenses by their
   line key in `description`. What an earlier attempt created is reused, never created again.
2. Create what is missing: expenses (one list call from Odoo 12 on), then reports (11–18), then the external ids
   of everything untagged (one call).
3. Walk the version's workflow (`profile.expense_flow.steps`: submit → approve → create/post moves on 11–18,
   expense-level actions and the posting wizard on 19) from the state each report is in, one call per step for
   the whole batch. A method returning None (XML-RPC faults after the commit, e.g. approve on 11) succeeded.
4. Read back states and journal entries (1 call).
A validation fault in a list call is retried report by report so one bad report does not hold the others.
Transient and auth faults propagate: the next attempt resumes from the states found by the look-up.
"""

from dataclasses import dataclass, field

from apps.connectors.odoo.faults import OdooValidationError
from apps.sync.posting.expense import ExpensePlan
from apps.sync.posting.keys import MODULE, external_name

EXPENSE = "hr.expense"
STATE_RANK = {"draft": 0, "reported": 0, "submit": 1, "submitted": 1, "approve": 2, "approved": 2,
              "post": 3, "posted": 3, "done": 3, "in_payment": 3, "paid": 3}  # fmt: skip
POSTED = 3


def step_rank(method: str) -> int:
    """The rank a record must not have passed for this workflow method to apply to it."""
    if "submit" in method:
        return 0
    if "approve" in method:
        return 1
    return 2


def _m2o(value):
    return value[0] if isinstance(value, list | tuple) and value else (value or None)


@dataclass
class ReportResult:
    key: str
    report_id: int | None = None
    expense_ids: list[int] = field(default_factory=list)
    move_ids: list[int] = field(default_factory=list)
    state: str = ""
    existed: bool = False
    error: OdooValidationError | None = None

    @property
    def posted(self) -> bool:
        return self.error is None and STATE_RANK.get(self.state, -1) >= POSTED and bool(self.move_ids)


@dataclass
class _Unit:
    plan: ExpensePlan
    report_id: int | None = None
    expenses: dict[str, int] = field(default_factory=dict)  # line key → hr.expense id
    ranks: dict[int, int] = field(default_factory=dict)  # hr.expense id (19) or report id → workflow rank
    existed: bool = False
    error: OdooValidationError | None = None


class _Lookup:
    """What Odoo already holds under the batch's keys (tags: external ids; stale: tags whose record is gone)."""

    def __init__(self, gateway, plans: list[ExpensePlan]):
        flow = gateway.profile.expense_flow
        self.report_model = flow.report_model
        models = {external_name(p.key): (self.report_model, p.key) for p in plans if self.report_model}
        models |= {external_name(k): (EXPENSE, k) for p in plans for k in p.line_keys}
        rows = gateway.search_read("ir.model.data", [["module", "=", MODULE], ["name", "in", list(models)]],
                                   ["name", "model", "res_id"])  # fmt: skip
        self.tags = {models[r["name"]][1]: (r["id"], r["res_id"]) for r in rows if r["model"] == models[r["name"]][0]}
        self.expenses = self._expenses(gateway, [k for p in plans for k in p.line_keys], flow)
        self.reports = self._reports(gateway, [p.key for p in plans], flow) if self.report_model else {}

    def _expenses(self, gateway, keys: list[str], flow) -> dict[str, dict]:
        by_id = {self.tags[k][1]: k for k in keys if k in self.tags}
        fields = ["description", "state"] + ([] if self.report_model else [flow.move_field])
        domain = ["|", ["id", "in", list(by_id) or [0]], ["description", "in", keys]]
        found = {}
        for row in gateway.search_read(EXPENSE, domain, fields):
            key = by_id.get(row["id"]) or row.get("description")
            if key in keys and key not in found:
                found[key] = row
        return found

    def _reports(self, gateway, keys: list[str], flow) -> dict[str, dict]:
        by_id = {self.tags[k][1]: k for k in keys if k in self.tags}
        domain = ["|", ["id", "in", list(by_id) or [0]], ["name", "in", keys]]
        found = {}
        for row in gateway.search_read(self.report_model, domain, ["name", "state", "expense_line_ids"]):
            key = by_id.get(row["id"]) or row.get("name")
            if key in keys and key not in found:
                found[key] = row
        return found

    def unit(self, plan: ExpensePlan) -> _Unit:
        unit = _Unit(plan=plan)
        for key in plan.line_keys:
            if key in self.expenses:
                row = self.expenses[key]
                unit.expenses[key] = row["id"]
                unit.ranks[row["id"]] = STATE_RANK.get(row.get("state"), 0)
        report = self.reports.get(plan.key)
        if report is not None:
            unit.report_id = report["id"]
            unit.ranks = {report["id"]: STATE_RANK.get(report["state"], 0)}
        unit.existed = bool(unit.report_id or unit.expenses)
        return unit


def _isolated(units: list[_Unit], call) -> None:
    """`call(units)` for all; on a validation fault, unit by unit, marking the ones Odoo refuses."""
    if not units:
        return
    try:
        call(units)
        return
    except OdooValidationError as error:
        if len(units) == 1:
            units[0].error = error
            return
    for unit in units:
        _isolated([unit], call)


def _create_expenses(gateway, units: list[_Unit]) -> None:
    def create(group):
        items = [(u, k, v) for u in group for k, v in u.plan.expenses if k not in u.expenses]
        if not items:
            return
        try:
            ids = gateway.create(EXPENSE, [v for _, _, v in items])
        except OdooValidationError as error:  # 11 creates one by one: keep what was committed before the fault
            for (unit, key, _), expense_id in zip(items, getattr(error, "created_ids", []) or [], strict=False):
                unit.expenses[key] = expense_id
            raise
        for (unit, key, _), expense_id in zip(items, ids, strict=True):
            unit.expenses[key] = expense_id
            unit.ranks[expense_id] = 0

    _isolated([u for u in units if u.report_id is None], create)


def _create_reports(gateway, units: list[_Unit], report_model: str, created_state: str) -> None:
    def create(group):
        ids = gateway.create(report_model, [u.plan.report_vals(list(u.expenses.values())) for u in group])
        for unit, report_id in zip(group, ids, strict=True):
            unit.report_id, unit.ranks = report_id, {report_id: STATE_RANK.get(created_state, 0)}

    _isolated([u for u in units if u.report_id is None and not u.error], create)


def _tag(gateway, units: list[_Unit], lookup: _Lookup) -> None:
    """External ids for every record that has none; a stale one (its record deleted) is re-pointed."""
    records = [(EXPENSE, k, i) for u in units for k, i in u.expenses.items()]
    records += [(lookup.report_model, u.plan.key, u.report_id) for u in units if u.report_id and lookup.report_model]
    new = []
    for model, key, res_id in records:
        tag = lookup.tags.get(key)
        if tag is None:
            new.append({"module": MODULE, "name": external_name(key), "model": model, "res_id": res_id,
                        "noupdate": True})  # fmt: skip
        elif tag[1] != res_id:
            gateway.write("ir.model.data", tag[0], {"res_id": res_id})
    if new:
        gateway.create_external_ids(new)


def _run_steps(gateway, units: list[_Unit]) -> None:
    flow = gateway.profile.expense_flow
    for model, method in flow.steps:
        rank = step_rank(method)

        def ids_of(unit, rank=rank):
            return [i for i, r in unit.ranks.items() if r <= rank]

        def call(group, model=model, method=method, ids_of=ids_of):
            ids = [i for u in group for i in ids_of(u)]
            result = gateway.call(model, method, ids)
            if isinstance(result, dict) and result.get("res_model") == "hr.expense.post.wizard":
                _post_wizard(gateway, [int(i) for i in (result.get("context") or {}).get("active_ids") or ids])

        todo = [u for u in units if not u.error and ids_of(u)]
        _isolated(todo, call)
        for unit in todo:
            if not unit.error:
                unit.ranks = {i: max(r, rank + 1) for i, r in unit.ranks.items()}


def _post_wizard(gateway, expense_ids: list[int]) -> None:
    """19: employee-paid expenses are posted through a wizard that reads context['active_ids']."""
    context = {"active_model": EXPENSE, "active_ids": expense_ids}
    wizard_id = gateway.create("hr.expense.post.wizard", {}, context=context)
    gateway.call("hr.expense.post.wizard", "action_post_entry", [wizard_id], context=context)


def _read_back(gateway, units: list[_Unit], report_model: str | None) -> dict[str, ReportResult]:
    flow = gateway.profile.expense_flow
    results = {}
    if report_model:
        ids = [u.report_id for u in units if u.report_id]
        rows = {r["id"]: r for r in gateway.read(report_model, ids, ["state", flow.move_field])} if ids else {}
    else:
        ids = [i for u in units for i in u.expenses.values()]
        rows = {r["id"]: r for r in gateway.read(EXPENSE, ids, ["state", flow.move_field])} if ids else {}
    for unit in units:
        result = ReportResult(key=unit.plan.key, report_id=unit.report_id, expense_ids=list(unit.expenses.values()),
                              existed=unit.existed, error=unit.error)  # fmt: skip
        own = [rows[unit.report_id]] if unit.report_id in rows else [rows[i] for i in result.expense_ids if i in rows]
        moves = set()
        for row in own:
            value = row.get(flow.move_field)
            moves |= set(value) if isinstance(value, list) and flow.move_field.endswith("_ids") else {_m2o(value)}
        result.move_ids = sorted(m for m in moves if m)
        states = {row.get("state") for row in own}
        result.state = states.pop() if len(states) == 1 else ("mixed" if states else "")
        results[unit.plan.key] = result
    return results


def existing(gateway, plans: list[ExpensePlan]) -> dict[str, dict]:
    """{report key: {report_id, expense_ids, state}} of what Odoo already holds (reads only: the dry run)."""
    lookup = _Lookup(gateway, plans)
    out = {}
    for plan in plans:
        unit = lookup.unit(plan)
        if unit.existed:
            state = (lookup.reports.get(plan.key) or {}).get("state") or sorted(
                {lookup.expenses[k].get("state") for k in unit.expenses})  # fmt: skip
            out[plan.key] = {"report_id": unit.report_id, "expense_ids": list(unit.expenses.values()), "state": state}
    return out


def post_reports(gateway, plans: list[ExpensePlan]) -> dict[str, ReportResult]:
    """Make sure each plan's expenses and report exist once, are tagged, and are posted. See the module doc."""
    if not plans:
        return {}
    flow = gateway.profile.expense_flow
    lookup = _Lookup(gateway, plans)
    units = [lookup.unit(plan) for plan in plans]
    _create_expenses(gateway, units)
    if flow.report_model:
        _create_reports(gateway, units, flow.report_model, flow.created_state)
    _tag(gateway, [u for u in units if not u.error or u.expenses], lookup)
    _run_steps(gateway, units)
    return _read_back(gateway, units, flow.report_model)
