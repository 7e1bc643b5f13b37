"""Savepoints inside a store transaction: a failing block undoes its own changes only."""

import pytest

from sandbox.odoo.store import Store


def test_a_failed_savepoint_undoes_its_block_and_keeps_the_rest_of_the_transaction():
    store = Store(None)
    with store.transaction():
        kept = store.insert("res.partner", {"name": "Kept"})
        with pytest.raises(ValueError), store.savepoint():
            store.update("res.partner", kept, {"name": "Renamed"})
            store.insert("res.partner", {"name": "Dropped"})
            raise ValueError("this row failed")
        assert store.table("res.partner") == {kept: {"name": "Kept", "id": kept}}
        assert store.matching("res.partner", "name", ["Renamed", "Dropped"]) == []
        with store.savepoint():
            store.update("res.partner", kept, {"name": "Done"})
    assert store.get("res.partner", kept)["name"] == "Done"


def test_the_transaction_still_rolls_back_what_a_successful_savepoint_did():
    store = Store(None)
    with store.transaction():
        first = store.insert("res.partner", {"name": "First"})
    with pytest.raises(RuntimeError), store.transaction():
        with store.savepoint():
            store.update("res.partner", first, {"name": "Changed"})
        raise RuntimeError("the call failed")
    assert store.get("res.partner", first)["name"] == "First"
