"""Small XML-RPC helpers for the sandbox tests (stdlib only, one keep-alive connection per helper)."""

import re
import xmlrpc.client

import pytest


class Rpc:
    """execute_kw as one user: `rpc(model, method, *args, **kw)`; `rpc.fault(...)` expects an xmlrpc Fault."""

    def __init__(self, sb, login=None, password=None, legacy=False):
        self.sb = sb
        self.version = sb.version
        self.login = login or sb.login
        self.password = password or sb.password
        prefix = "/xmlrpc/" if legacy else "/xmlrpc/2/"
        self.common = xmlrpc.client.ServerProxy(sb.url + prefix + "common")
        self.object = xmlrpc.client.ServerProxy(sb.url + prefix + "object")
        self.uid = self.common.authenticate(sb.database, self.login, self.password, {})
        assert self.uid, f"cannot log in as {self.login}"

    def __call__(self, model, method, *args, **kw):
        return self.object.execute_kw(self.sb.database, self.uid, self.password, model, method, list(args), kw)

    def fault(self, model, method, *args, **kw) -> xmlrpc.client.Fault:
        with pytest.raises(xmlrpc.client.Fault) as info:
            self(model, method, *args, **kw)
        return info.value

    # -- seed lookups --------------------------------------------------------------------------------------
    def account(self, code, company=1):
        field = "company_ids" if self.version >= 18 else "company_id"
        return self("account.account", "search", [["code", "=", code], [field, "in", [company]]])[0]

    def journal(self, code, company=1):
        return self("account.journal", "search", [["code", "=", code], ["company_id", "=", company]])[0]

    def move_vals(self, date="2026-03-01", debit=10.0, credit=10.0, company=1, journal="MISC"):
        return {
            "journal_id": self.journal(journal, company),
            "date": date,
            "ref": "sandbox test",
            "line_ids": [
                [0, 0, {"account_id": self.account("6100", company), "name": "debit", "debit": debit, "credit": 0.0}],
                [0, 0, {"account_id": self.account("2110", company), "name": "credit", "debit": 0.0, "credit": credit}],
            ],
        }

    @property
    def post_method(self):
        return "post" if self.version < 13 else "action_post"

    def lock(self, company, **dates):
        """Set lock dates on a company (restore with unlock)."""
        return self("res.company", "write", [company], dates)

    def unlock(self, company):
        fields = ["fiscalyear_lock_date"] + (
            ["period_lock_date"] if self.version < 18 else ["hard_lock_date", "purchase_lock_date", "sale_lock_date"]
        )
        return self("res.company", "write", [company], dict.fromkeys(fields, False))


def exception_line(fault: xmlrpc.client.Fault) -> str:
    """The exception line of a faultCode-1 traceback (`ExcType: message`), as real-odoo/smoke.py finds it."""
    lines = [line for line in fault.faultString.splitlines() if re.match(r"^[A-Za-z_][\w.]*: ", line)]
    return lines[-1] if lines else fault.faultString.strip().splitlines()[-1]
