"""State survives a restart (SQLite write-through), reset reseeds, the seed is deterministic."""

from sandbox.odoo.testing import run_sandbox
from tests.sandbox.helpers import Rpc


def test_records_and_sequences_survive_a_restart(tmp_path):
    with run_sandbox(17, tmp_path) as sb:
        rpc = Rpc(sb)
        partner = rpc("res.partner", "create", {"name": "Persistent"})
        first = rpc("account.move", "create", rpc.move_vals(date="2026-05-05"))
        rpc("account.move", "action_post", [first])
        sb.restart()
        rpc = Rpc(sb)
        assert rpc("res.partner", "read", [partner], fields=["name"])[0]["name"] == "Persistent"
        second = rpc("account.move", "create", rpc.move_vals(date="2026-05-06"))
        rpc("account.move", "action_post", [second])
        names = [r["name"] for r in rpc("account.move", "read", [first, second], fields=["name"])]
        assert names == ["MISC/2026/0001", "MISC/2026/0002"] and second > first


def test_a_failed_call_leaves_nothing_behind_even_after_restart(tmp_path):
    with run_sandbox(16, tmp_path) as sb:
        rpc = Rpc(sb)
        before = rpc("account.move.line", "search_count", [])
        rpc.fault("account.move", "create", rpc.move_vals(credit=1.0))
        sb.restart()
        assert Rpc(sb)("account.move.line", "search_count", []) == before


def test_reset_reseeds_the_same_ids(sandbox_for, tmp_path):
    with run_sandbox(11, tmp_path) as sb:
        rpc = Rpc(sb)
        seeded = rpc("hr.employee", "search_read", [], fields=["name", "work_email"], order="id")
        rpc("res.partner", "create", {"name": "Gone after reset"})
        rpc("hr.employee", "write", [1], {"name": "Changed"})
        sb.reset()
        assert rpc("hr.employee", "search_read", [], fields=["name", "work_email"], order="id") == seeded
        assert rpc("res.partner", "search_count", [["name", "=", "Gone after reset"]]) == 0
        assert len(seeded) == 51 and seeded[0]["work_email"] == "alice.smith@example.com"


def test_new_credentials_from_flags_apply_to_a_stored_database(tmp_path):
    with run_sandbox(18, tmp_path) as sb:
        Rpc(sb)("res.partner", "create", {"name": "Kept"})
    with run_sandbox(18, tmp_path, password="s3cret", api_key="another-key") as sb:
        rpc = Rpc(sb)
        assert rpc.password == "s3cret"
        assert rpc("res.partner", "search_count", [["name", "=", "Kept"]]) == 1
        assert sb.stats()["records"]["res.company"] == 3
