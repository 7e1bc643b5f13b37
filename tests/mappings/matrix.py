"""Sample objects for the URL × role test (tests/access): an FR tax-code set with an active version and a
draft, and an FR category set with a version pending approval — all made by `mapping_owner`, so the
`controller` fixture user may edit them and approve what is pending (maker-checker holds: not their work)."""


def build_samples(entities) -> dict:
    from apps.access.services import user_ensure
    from apps.mappings.services import (
        mapping_draft_open,
        mapping_rule_add,
        mapping_set_create,
        mapping_version_approve,
        mapping_version_submit,
    )
    from tests.conftest import PASSWORD
    from tests.mappings.conftest import cache

    fr = entities["FR"]
    owner, checker = (
        user_ensure(reason="test fixture", username=name, password=PASSWORD, role="finance_controller", entities=[fr])
        for name in ("mapping_owner", "mapping_checker")
    )
    cache(fr, "taxes", 41, "FR-20", company=2, amount=20, amount_type="percent", type_tax_use="purchase")
    cache(fr, "expense_categories", 31, "Taxi", "TAXI")
    taxes = mapping_set_create(entity=fr, dimension="tax_code", name="FR taxes", owner=owner, actor=owner)
    active = mapping_draft_open(mapping_set=taxes, actor=owner)
    mapping_rule_add(version=active, actor=owner, source_value="FR-20", target_model="account.tax", target_id=41)
    mapping_version_submit(version=active, actor=owner, reason="first")
    mapping_version_approve(version=active, actor=checker)
    draft = mapping_draft_open(mapping_set=taxes, actor=owner)
    categories = mapping_set_create(entity=fr, dimension="category", name="FR categories", owner=owner, actor=owner)
    pending = mapping_draft_open(mapping_set=categories, actor=owner)
    mapping_rule_add(version=pending, actor=owner, source_value="TAXI", target_model="product.product", target_id=31)
    mapping_version_submit(version=pending, actor=owner, reason="first")
    return {"set": taxes, "active": active, "draft": draft, "rule": draft.rules.get(), "pending": pending}
