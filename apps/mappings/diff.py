"""What changed between two versions of a set: rules added, removed and changed (pure; used by the UI, the
API and every audit entry). A rule is identified by its match kind, normalized source value and conditions."""

from __future__ import annotations

import json

from apps.mappings.engine import normalize

COMPARED = ("target_model", "target_id", "target_name", "effective_from", "effective_to", "note")


def rule_key(rule: dict) -> str:
    conditions = json.dumps(rule.get("conditions") or {}, sort_keys=True)
    return f"{rule.get('match', 'exact')}|{normalize(rule.get('source_value', ''))}|{conditions}"


def rules_diff(before: list[dict], after: list[dict]) -> dict:
    """{"added": [rule], "removed": [rule], "changed": [{"key", "source_value", "before", "after"}]}."""
    old = {rule_key(r): r for r in before}
    new = {rule_key(r): r for r in after}
    changed = []
    for key in sorted(set(old) & set(new)):
        fields = {f: [old[key].get(f), new[key].get(f)] for f in COMPARED if old[key].get(f) != new[key].get(f)}
        if fields:
            changed.append({"key": key, "source_value": new[key].get("source_value"), "fields": fields})
    return {
        "added": [new[k] for k in sorted(set(new) - set(old))],
        "removed": [old[k] for k in sorted(set(old) - set(new))],
        "changed": changed,
    }


def diff_is_empty(diff: dict) -> bool:
    return not (diff["added"] or diff["removed"] or diff["changed"])


def diff_summary(diff: dict) -> str:
    return f"{len(diff['added'])} added, {len(diff['changed'])} changed, {len(diff['removed'])} removed"
