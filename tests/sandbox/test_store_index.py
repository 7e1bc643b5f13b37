"""The store's per-field indexes answer exactly what a scan of the table would, through every kind of change."""

import pytest

from sandbox.odoo.store import Store


def scan(store, model, field, values):
    return sorted(rid for rid, rec in store.table(model).items() if rec.get(field) in values)


@pytest.fixture
def store():
    store = Store(None)
    with store.transaction():
        for ref in ("A", "B", "A", "C"):
            store.insert("account.move", {"ref": ref})
    return store


def test_the_index_follows_inserts_updates_and_deletes(store):
    assert store.matching("account.move", "ref", ["A"]) == [1, 3]  # built on first use
    with store.transaction():
        store.insert("account.move", {"ref": "A"})
        store.update("account.move", 1, {"ref": "B"})
        store.delete("account.move", 3)
    for values in (["A"], ["B"], ["A", "C"], ["Z"]):
        assert store.matching("account.move", "ref", values) == scan(store, "account.move", "ref", values)
    assert store.matching("account.move", "ref", ["A"]) == [5]


def test_a_rolled_back_transaction_leaves_the_index_as_the_table(store):
    assert store.matching("account.move", "ref", ["B"]) == [2]
    with pytest.raises(RuntimeError), store.transaction():
        store.update("account.move", 2, {"ref": "Z"})
        store.insert("account.move", {"ref": "B"})
        assert store.matching("account.move", "ref", ["B"]) == [5]
        raise RuntimeError("the call failed")
    assert store.matching("account.move", "ref", ["B"]) == [2] == scan(store, "account.move", "ref", ["B"])
    assert store.matching("account.move", "ref", ["Z"]) == []


def test_children_and_matching_share_one_index(store):
    assert store.children("account.move", "ref", "A") == store.matching("account.move", "ref", ["A"]) == [1, 3]
    assert len([key for key in store._indexes if key == ("account.move", "ref")]) == 1
