"""account.move and account.move.line with Odoo's posting rules (balance, lock dates, posted immutability)."""

from __future__ import annotations

import datetime

from .. import fields as F
from ..errors import UserError
from ..orm import Model, public
from . import move_taxes

BILLING = dict.fromkeys(("write", "create", "unlink"), ("account.group_account_invoice",))
POSTED_11 = (
    "You cannot do this modification on a posted journal entry, you can just change some non legal fields. "
    "You must revert the journal entry to cancel it.\n{err}."
)
ADVISER_HINT = " Check the company settings or ask someone with the 'Adviser' role"


def us_date(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%m/%d/%Y")


def money(env, amount: float, currency_id: int) -> str:
    cur = env.store.get("res.currency", currency_id) or {}
    symbol = cur.get("symbol") or ""
    return f"{symbol}\xa0{amount:,.2f}" if cur.get("name") == "USD" else f"{amount:,.2f}\xa0{symbol}"


def has_taxes(env, move_id) -> bool:
    lines = env.store.table("account.move.line")
    children = env.store.children("account.move.line", "move_id", move_id)
    return any(lines[i].get("tax_ids") or lines[i].get("tax_line_id") for i in children)


def violated_locks(env, move: dict) -> list[tuple[str, str]]:
    """(label, lock date) pairs that cover the move's date, for the calling user and this version.

    Entries with taxes also respect the tax lock date (13+; "Tax Return Lock Date" from 18)."""
    company = env.store.get("res.company", move.get("company_id")) or {}
    date = move.get("date") or ""
    adviser = env.has_group("account.group_account_manager")
    tax_lock = company.get("tax_lock_date") if env.version >= 13 and has_taxes(env, move.get("id")) else None
    if env.version < 18:
        fiscal = company.get("fiscalyear_lock_date") or ""
        period = company.get("period_lock_date") or ""
        lock = fiscal if adviser else max(fiscal, period)
        locks = [("Lock Date", lock)] if lock and date <= lock else []
        if tax_lock and date <= tax_lock:
            locks.append(("Tax Lock Date", tax_lock))
        return locks
    journal = env.store.get("account.journal", move.get("journal_id")) or {}
    candidates = [
        ("Global Lock Date", company.get("fiscalyear_lock_date")),
        ("Hard Lock Date", company.get("hard_lock_date")),
    ]
    if journal.get("type") == "sale":
        candidates.append(("Sales Lock Date", company.get("sale_lock_date")))
    if journal.get("type") == "purchase":
        candidates.append(("Purchase Lock Date", company.get("purchase_lock_date")))
    candidates.append(("Tax Return Lock Date", tax_lock))
    return [(label, lock) for label, lock in candidates if lock and date <= lock]


def lock_error(env, locks) -> UserError:
    adviser = env.has_group("account.group_account_manager")
    lock = max(d for _, d in locks)
    if env.version < 12:
        hint = "" if adviser else "." + ADVISER_HINT
        return UserError(f"You cannot add/modify entries prior to and inclusive of the lock date {lock}{hint}")
    if env.version < 18:
        if all(label == "Tax Lock Date" for label, _ in locks):
            return UserError(
                "The operation is refused as it would impact an already issued tax statement. Please change the "
                f"journal entry date or the tax lock date set in the settings ({us_date(lock)}) to proceed."
            )
        lock = max(d for label, d in locks if label != "Tax Lock Date")
        text = f"You cannot add/modify entries prior to and inclusive of the lock date {us_date(lock)}."
        return UserError(text + ("" if adviser else ADVISER_HINT))
    info = ", ".join(f"{label} ({us_date(d)})" for label, d in locks)
    return UserError(f"You cannot add/modify entries prior to and inclusive of: {info}.")


class Move(Model):
    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, id desc"
    _company_field = "company_id"
    _acl = BILLING
    FIELDS = {
        "name": F.char("Number", default="/"),
        "ref": F.char("Reference"),
        "date": F.date("Date", required=True, default=lambda env: datetime.date.today().isoformat()),
        "journal_id": F.many2one("account.journal", "Journal", required=True),
        "company_id": F.many2one("res.company", "Company"),
        "currency_id": F.many2one("res.currency", "Currency"),
        "partner_id": F.many2one("res.partner", "Partner"),
        "narration": F.text("Internal Note"),
        "state": F.selection("Status", [("draft", "Unposted"), ("posted", "Posted")], default="draft", until=12),
        "state@13": F.selection(
            "Status", [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], default="draft", since=13
        ),
        "move_type": F.selection(
            "Type",
            [
                ("entry", "Journal Entry"),
                ("in_invoice", "Vendor Bill"),
                ("in_receipt", "Purchase Receipt"),
                ("out_invoice", "Customer Invoice"),
            ],
            default="entry",
            since=13,
        ),
        "line_ids": F.one2many("account.move.line", "move_id", "Journal Items", ondelete="cascade"),
        "amount": F.monetary("Amount", until=12, compute=lambda env, r: _total(env, r)),
        "amount_total": F.monetary("Total", since=13, compute=lambda env, r: _total(env, r)),
        "payment_state": F.selection(
            "Payment Status",
            [
                ("not_paid", "Not Paid"),
                ("in_payment", "In Payment"),
                ("paid", "Paid"),
                ("partial", "Partially Paid"),
                ("reversed", "Reversed"),
                ("invoicing_legacy", "Invoicing App Legacy"),
            ],
            default="not_paid",
            since=14,
        ),
        "posted_before": F.boolean("Posted Before", default=False, since=14),
        "to_check": F.boolean("To Check", default=False, until=17),
        "checked": F.boolean("Checked", default=True, since=18),
        "expense_sheet_id": F.many2one("hr.expense.sheet", "Expense Sheet", since=17, until=18),
    }

    def display_name(self, env, rec):
        name = rec.get("name") or "/"
        if name == "/" and env.version >= 13:
            return f"Draft Entry (* {rec['id']})"
        return name

    # -- rules -----------------------------------------------------------------------------------------------
    def lines_of(self, env, move_id) -> list[dict]:
        table = env.store.table("account.move.line")
        return [table[i] for i in env.store.children("account.move.line", "move_id", move_id)]

    def check_balanced(self, env, ids):
        for rid in ids:
            lines = self.lines_of(env, rid)
            debit = round(sum(line.get("debit") or 0.0 for line in lines), 2)
            credit = round(sum(line.get("credit") or 0.0 for line in lines), 2)
            if abs(debit - credit) < 0.005:
                continue
            if env.version < 12:
                raise UserError("Cannot create unbalanced journal entry.")
            move = self.rows(env)[rid]
            journal = env.store.get("account.journal", move["journal_id"]) or {}
            currency = (env.store.get("res.company", move["company_id"]) or {}).get("currency_id")
            raise UserError(
                "An error has occurred.\n\n"
                f"The move ({self.display_name(env, move)}) is not balanced.\n"
                f"The total of debits equals {money(env, debit, currency)} and the total of credits equals "
                f"{money(env, credit, currency)}.\n"
                f'You might want to specify a default account on journal "{journal.get("name")}" to automatically '
                "balance each move."
            )

    def check_modifiable(self, env, ids, changes: set):
        """Posted entries are immutable (11) or lock-date protected (16+); draft ones only lock-protected in 11."""
        for rid in ids:
            move = self.rows(env)[rid]
            posted = move.get("state") == "posted"
            if env.version < 12:
                if posted and changes & {"line_ids", "date", "journal_id", "unlink"}:
                    raise UserError(POSTED_11.format(err=f"Move name (id): {move.get('name')} ({rid})"))
                locks = violated_locks(env, move)
                if locks and changes & {"line_ids", "unlink"}:
                    raise lock_error(env, locks)
                continue
            if not posted:
                continue
            if "journal_id" in changes:
                raise UserError("You cannot edit the journal of an account move if it has been posted once.")
            locks = violated_locks(env, move)
            if locks and changes & {"line_ids", "date", "unlink", "state"}:
                raise lock_error(env, locks)
            if "unlink" in changes:
                raise UserError("You cannot delete an entry which has been posted once.")

    # -- ORM hooks -------------------------------------------------------------------------------------------
    def _hook_prepare_create(self, env, vals):
        if isinstance(vals, dict) and vals.get("journal_id"):
            journal = env.store.get("account.journal", vals["journal_id"])
            if journal:
                vals["company_id"] = journal["company_id"]
        return super()._hook_prepare_create(env, vals)

    def apply_commands(self, env, rid, name, value):
        super().apply_commands(env.with_context(check_move_validity=False), rid, name, value)

    def _hook_after_create(self, env, rid, vals):
        move_taxes.sync(env, rid, None)  # 16+: tax lines and the automatic balancing line
        self.check_balanced(env, [rid])

    def _hook_before_write(self, env, ids, stored, commands):
        changes = {k for k in (*stored, *commands) if k in ("line_ids", "date", "journal_id")}
        self.check_modifiable(env, ids, changes)
        if "journal_id" in stored:
            journal = env.store.get("account.journal", stored["journal_id"]) or {}
            stored["company_id"] = journal.get("company_id")
        if "line_ids" in commands:
            env.tax_snapshots = {rid: move_taxes.snapshot(env, rid) for rid in ids}

    def _hook_after_write(self, env, ids, stored, commands):
        if "line_ids" in commands:
            snapshots = getattr(env, "tax_snapshots", {})
            for rid in ids:
                move_taxes.sync(env, rid, snapshots.get(rid))
            self.check_balanced(env, ids)

    def _hook_before_unlink(self, env, ids):
        self.check_modifiable(env, ids, {"unlink"})
        env.su_unlink_lines = True

    # -- workflow --------------------------------------------------------------------------------------------
    def next_name(self, env, move) -> str:
        journal = env.store.get("account.journal", move["journal_id"])
        year = move["date"][:4]
        key = f"seq:{journal['id']}:{year}"
        number = (env.store.get_meta(key) or 0) + 1
        env.store.set_meta(key, number)
        return f"{journal['code']}/{year}/{number:04d}"

    def post_moves(self, env, ids, redate: bool):
        self.check_acl(env, "write")
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            move = self.rows(env)[rid]
            if env.version >= 13:
                if move.get("state") == "posted":
                    raise UserError(f"The entry {self.display_name(env, move)} (id {rid}) is already posted.")
                if not self.lines_of(env, rid):
                    raise UserError("You need to add a line before posting.")
            self.check_balanced(env, [rid])
            locks = violated_locks(env, move)
            if locks and not redate:
                raise lock_error(env, locks)
            values = {"state": "posted"}
            if locks:  # 16+: silently moved past the lock date
                after = datetime.date.fromisoformat(max(d for _, d in locks)) + datetime.timedelta(days=1)
                values["date"] = after.isoformat()
                move = {**move, **values}
            if (move.get("name") or "/") == "/":
                values["name"] = self.next_name(env, move)
            if env.version >= 14:
                values["posted_before"] = True
            env.store.update(self._name, rid, values)

    @public(until=12)
    def post(self, env, ids):
        self.post_moves(env, ids, redate=False)
        return True

    @public(since=13)
    def action_post(self, env, ids):
        self.post_moves(env, ids, redate=True)
        return False

    @public(since=13)
    def button_draft(self, env, ids):
        self.check_acl(env, "write")
        ids = self.browse_checked(env, ids, "write")
        self.check_modifiable(env, ids, {"state"})
        for rid in ids:
            env.store.update(self._name, rid, {"state": "draft"})
        return True

    @public()
    def button_cancel(self, env, ids):
        self.check_acl(env, "write")
        ids = self.browse_checked(env, ids, "write")
        for rid in ids:
            move = self.rows(env)[rid]
            if env.version < 12:
                journal = env.store.get("account.journal", move["journal_id"]) or {}
                if move.get("state") == "posted" and not journal.get("update_posted"):
                    raise UserError(
                        "You cannot modify a posted entry of this journal.\n"
                        "First you should set the journal to allow cancelling entries."
                    )
                locks = violated_locks(env, move)
                if locks:
                    raise lock_error(env, locks)
                env.store.update(self._name, rid, {"state": "draft"})
            else:
                if move.get("state") == "posted":
                    raise UserError("Only draft journal entries can be cancelled.")
                env.store.update(self._name, rid, {"state": "cancel"})
        return True


def _total(env, move) -> float:
    return round(sum(line.get("debit") or 0.0 for line in env["account.move"].lines_of(env, move["id"])), 2)
