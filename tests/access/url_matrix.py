"""Who may open every URL of the console: the declaration the URL × role test checks against.

Every named URL must appear here (Django admin aside), so a new URL fails the test until someone says who may
use it. A row: `Route(allowed roles, method, kwargs)`, where kwargs is a function of the `samples` fixture
(objects created for the test) giving the URL arguments. Add rows in your app's section.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ANONYMOUS, OUTSIDER, CONTROLLER, IT_ADMIN, AUDITOR = "anonymous", "outsider", "controller", "it_admin", "auditor"
ALL_ROLES = (ANONYMOUS, OUTSIDER, CONTROLLER, IT_ADMIN, AUDITOR)
EVERYONE = frozenset(ALL_ROLES)
LOGGED_IN = frozenset({OUTSIDER, CONTROLLER, IT_ADMIN, AUDITOR})
STAFF = frozenset({CONTROLLER, IT_ADMIN, AUDITOR})  # anyone holding a console role


@dataclass(frozen=True)
class Route:
    allowed: frozenset
    method: str = "GET"
    kwargs: Callable[[dict], dict] = field(default=lambda samples: {})
    data: Callable[[dict], dict] = field(default=lambda samples: {})


URLS: dict[str, Route] = {
    # --- project -----------------------------------------------------------------------------------------
    "healthz": Route(EVERYONE),
    "readyz": Route(EVERYONE),
    "metrics": Route(frozenset()),  # bearer METRICS_TOKEN only: sessions of any role are refused
    # --- access ------------------------------------------------------------------------------------------
    "access:home": Route(LOGGED_IN),  # a redirect to the dashboard, which then checks the role
    "access:login": Route(EVERYONE),
    "access:logout": Route(LOGGED_IN, method="POST"),
    # Second sign-in step: without a pending login it sends visitors to the login page, signed-in users home.
    "access:login_verify": Route(LOGGED_IN),
    "access:login_enrol": Route(LOGGED_IN),
    "access:profile": Route(LOGGED_IN),
    "access:two_factor_setup": Route(LOGGED_IN),
    "access:two_factor_remove": Route(LOGGED_IN, method="POST", data=lambda s: {"code": "123456"}),
    # Personal API tokens: every role holds its own; the sample token is the FR controller's (others: 404).
    "access:token_list": Route(STAFF),
    "access:token_create": Route(STAFF, method="POST", data=lambda s: {"name": "script", "expires_in_days": 7}),
    "access:token_revoke": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["access"]["token"].pk}
    ),
    "access-api:me": Route(LOGGED_IN),  # the caller's own account facts, like the account page
    "access-api:token-list": Route(STAFF),
    "access-api:token-detail": Route(frozenset({CONTROLLER}), kwargs=lambda s: {"pk": s["access"]["token"].pk}),
    "access-api:token-revoke": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["access"]["token"].pk}
    ),
    # --- API schema and docs -----------------------------------------------------------------------------
    "api-schema": Route(LOGGED_IN),
    "api-docs": Route(LOGGED_IN),
    # --- reporting ---------------------------------------------------------------------------------------
    # Samples (tests/reporting/samples.py): a finished FR reconciliation with one difference. Dashboard: every role
    # (controllers their entities, IT and auditors all); reconciliations and extracts: finance (FR) and auditors;
    # running things: controllers and IT (auditors change nothing).
    "reporting:dashboard": Route(STAFF),
    "reporting:run_now": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", kwargs=lambda s: {"kind": "publication"}
    ),
    "reporting:reconciliation_list": Route(frozenset({CONTROLLER, AUDITOR})),
    "reporting:reconciliation_create": Route(
        frozenset({CONTROLLER}), method="POST", data=lambda s: {"entity": "FR", "month": "2030-01"}
    ),
    "reporting:reconciliation_detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["reporting"]["reconciliation"].pk}
    ),
    "reporting:reconciliation_export": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["reporting"]["reconciliation"].pk, "fmt": "csv"}
    ),
    "reporting:extract": Route(frozenset({CONTROLLER, AUDITOR})),
    "reporting-api:dashboard": Route(STAFF),
    # API twins, same roles as their pages. The list's row checks the POST (queue a reconciliation: controllers);
    # its GET needs the view permission like the page (tests/reporting/test_api_reconciliations.py, per role).
    # The extract without a period is a 400 for who may download (no reporting-store read in this test).
    "reporting-api:run-list": Route(STAFF),
    "reporting-api:run-now": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", kwargs=lambda s: {"kind": "publication"}
    ),
    "reporting-api:reconciliation-list": Route(
        frozenset({CONTROLLER}), method="POST", data=lambda s: {"entity": "FR", "month": "2030-01"}
    ),
    "reporting-api:reconciliation-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["reporting"]["reconciliation"].pk}
    ),
    "reporting-api:reconciliation-differences": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["reporting"]["reconciliation"].pk}
    ),
    "reporting-api:reconciliation-export": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["reporting"]["reconciliation"].pk}
    ),
    "reporting-api:extract": Route(frozenset({CONTROLLER, AUDITOR})),
    # --- worklist ----------------------------------------------------------------------------------------
    # Sample: an FR mapping_missing item (IT does not see it: not technical), a bulk action and a saved filter of
    # the controller. Item actions: controller only (the auditor changes nothing → 403; IT → 404).
    "worklist:index": Route(STAFF),
    "worklist:item": Route(frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["worklist"]["item"].pk}),
    **{
        f"worklist:{action}": Route(
            frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["worklist"]["item"].pk}, data=data
        )
        for action, data in {
            "assign": lambda s: {"assignee": "controller"},
            "claim": lambda s: {},
            "comment": lambda s: {"body": "Asked Jane for the receipt."},
            "tag": lambda s: {"tags": "month-end"},
            "retry": lambda s: {},
            "correct": lambda s: {"tax_code": "FR-20"},
            "duplicate": lambda s: {"original_item": s["worklist"]["other"].pk, "note": "Same report twice."},
            "dismiss": lambda s: {"note": "Report withdrawn."},
            "snooze": lambda s: {"until": "2999-01-01"},
            "resolve": lambda s: {"note": "Posted by hand in Odoo."},
            "replay": lambda s: {},
        }.items()
    },
    "worklist:bulk": Route(
        frozenset({CONTROLLER, IT_ADMIN}),
        method="POST",
        data=lambda s: {"kind": "assign", "scope": "filter", "assignee": "controller"},
    ),
    "worklist:bulk-detail": Route(frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["worklist"]["bulk"].pk}),
    "worklist:filter-save": Route(STAFF, method="POST", data=lambda s: {"name": "Mine", "query": "assignee=me"}),
    "worklist:filter-delete": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["worklist"]["saved_filter"].pk}
    ),
    "worklist:runbook": Route(STAFF, kwargs=lambda s: {"category": "transport"}),
    "worklist:calendar": Route(STAFF),
    "worklist:calendar-save": Route(
        frozenset({CONTROLLER}),
        method="POST",
        data=lambda s: {"entity": "FR", "period_end": "2030-01-31", "close_deadline": "2030-02-05"},
    ),
    "worklist-api:item-list": Route(STAFF),
    "worklist-api:counts": Route(STAFF),
    "worklist-api:item-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["worklist"]["item"].pk}
    ),
    **{
        f"worklist-api:item-{action}": Route(
            frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["worklist"]["item"].pk}
        )
        for action in (
            "assign",
            "claim",
            "comment",
            "tag",
            "retry",
            "correct",
            "duplicate",
            "dismiss",
            "resolve",
            "snooze",
            "replay",
        )
    },
    "worklist-api:bulk-create": Route(
        frozenset({CONTROLLER, IT_ADMIN}),
        method="POST",
        data=lambda s: {"kind": "assign", "scope": "filter", "assignee": "controller"},
    ),
    "worklist-api:bulk-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["worklist"]["bulk"].pk}
    ),
    # Twins of the pages beside the items. The rows check the writes (GETs of the same URLs need only the view
    # permission; tests/worklist/test_api_pages.py covers them per role): saving a filter is anyone's own
    # preference, deleting the sample (the FR controller's) is theirs alone, the calendar is the controller's.
    "worklist-api:filter-list": Route(STAFF, method="POST", data=lambda s: {"name": "Mine", "query": "assignee=me"}),
    "worklist-api:filter-detail": Route(
        frozenset({CONTROLLER}), method="DELETE", kwargs=lambda s: {"pk": s["worklist"]["saved_filter"].pk}
    ),
    "worklist-api:runbook-list": Route(STAFF),
    "worklist-api:runbook-detail": Route(STAFF, kwargs=lambda s: {"category": "transport"}),
    "worklist-api:close-calendar": Route(
        frozenset({CONTROLLER}),
        method="POST",
        data=lambda s: {"entity": "FR", "period_end": "2030-01-31", "close_deadline": "2030-02-05"},
    ),
    # --- ledger ------------------------------------------------------------------------------------------
    "ledger:index": Route(STAFF),
    "ledger:entry_detail": Route(STAFF, kwargs=lambda s: {"sequence": s["ledger"]["entry"].sequence}),
    "ledger:export_csv": Route(STAFF),
    "ledger:evidence_pack": Route(frozenset({AUDITOR})),
    "ledger-api:entry-list": Route(STAFF),
    "ledger-api:entry-detail": Route(STAFF, kwargs=lambda s: {"sequence": s["ledger"]["entry"].sequence}),
    "ledger-api:verification": Route(STAFF),
    "ledger-api:export": Route(STAFF),
    "ledger-api:evidence-pack": Route(
        frozenset({AUDITOR}), data=lambda s: {"date_from": "2020-01-01", "date_to": "2099-12-31"}
    ),
    # --- sync --------------------------------------------------------------------------------------------
    "sync:index": Route(STAFF),
    "sync:flow_detail": Route(STAFF, kwargs=lambda s: {"slug": s["sync"]["flow"].slug}),
    "sync:flow_fieldmap_csv": Route(STAFF, kwargs=lambda s: {"slug": s["sync"]["flow"].slug}),
    "sync:flow_run": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["sync"]["flow"].slug}
    ),
    "sync:run_detail": Route(STAFF, kwargs=lambda s: {"pk": s["sync"]["run"].pk}),
    "sync:run_progress": Route(STAFF, kwargs=lambda s: {"pk": s["sync"]["run"].pk}),
    "sync-api:flow-list": Route(STAFF),
    "sync-api:flow-detail": Route(STAFF, kwargs=lambda s: {"slug": s["sync"]["flow"].slug}),
    "sync-api:flow-run": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["sync"]["flow"].slug}
    ),
    "sync-api:flow-dry-run": Route(
        frozenset({CONTROLLER, IT_ADMIN}), kwargs=lambda s: {"slug": s["sync"]["flow"].slug}
    ),
    "sync-api:run-list": Route(STAFF),
    "sync-api:run-detail": Route(STAFF, kwargs=lambda s: {"pk": s["sync"]["run"].pk}),
    "sync-api:run-documents": Route(STAFF, kwargs=lambda s: {"pk": s["sync"]["run"].pk}),
    # No session or role opens it: only a valid Standard Webhooks signature does (tests/sync/test_webhook.py), so
    # every role, logged in or not, is refused (404 for an unknown connector, 401 without a signature).
    "hooks:receive": Route(frozenset(), method="POST", kwargs=lambda s: {"slug": "no-such-connector"}),
    # --- mappings ----------------------------------------------------------------------------------------
    # Samples (tests/mappings/matrix.py): FR tax set (active v1 + draft v2 with one rule), FR category set with a
    # pending version, all made by another FR controller. The FR controller edits and decides; the auditor reads;
    # IT holds the capability but no FR scope (404); outsiders hold nothing (403).
    "mappings:index": Route(STAFF),
    "mappings:master_data": Route(STAFF),
    "mappings:target_search": Route(
        STAFF, data=lambda s: {"entity": s["entities"]["FR"].pk, "target_model": "account.tax", "q": "FR"}
    ),
    # IT owns the sample connector serving FR: it may refresh FR's master data and browse it.
    "mappings:master_data_refresh": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", data=lambda s: {"entity": s["entities"]["FR"].pk}
    ),
    "mappings:set_create": Route(frozenset({CONTROLLER})),
    "mappings:set_detail": Route(frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["mappings"]["set"].pk}),
    "mappings:set_draft_open": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["mappings"]["set"].pk}
    ),
    **{
        f"mappings:version_{name}": Route(
            frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["mappings"]["active"].pk}
        )
        for name in ("detail", "diff", "preview", "export")
    },
    **{
        f"mappings:{name}": Route(
            frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["mappings"]["draft"].pk}, data=data
        )
        for name, data in {
            "rule_add": lambda s: {"source_value": "FR-10", "target_model": "account.tax", "target_id": "41"},
            "version_configure": lambda s: {"auto_match": "on"},
            "version_import": lambda s: {},
            "version_submit": lambda s: {"reason": "Rates for 2026"},
            "version_discard": lambda s: {},
            "version_restore": lambda s: {},
        }.items()
    },
    **{
        f"mappings:version_{name}": Route(
            frozenset({CONTROLLER}),
            method="POST",
            kwargs=lambda s: {"pk": s["mappings"]["pending"].pk},
            data=lambda s: {"reason": "Checked."},
        )
        for name in ("approve", "reject", "withdraw")
    },
    "mappings:rule_edit": Route(frozenset({CONTROLLER}), kwargs=lambda s: {"pk": s["mappings"]["rule"].pk}),
    # Fix and retry: the rule pre-filled from a worklist item; only who may edit the set (auditors read, 403).
    "mappings:rule-new": Route(
        frozenset({CONTROLLER}), data=lambda s: {"entity": "FR", "dimension": "tax_code", "source_value": "FR-10"}
    ),
    "mappings:rule_delete": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["mappings"]["rule"].pk}
    ),
    "mappings-api:sets": Route(STAFF),
    "mappings-api:set-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["mappings"]["set"].pk}
    ),
    "mappings-api:set-draft": Route(
        frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["mappings"]["set"].pk}
    ),
    **{
        f"mappings-api:version-{name}": Route(
            frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["mappings"]["active"].pk}
        )
        for name in ("detail", "diff", "preview", "export")
    },
    **{
        f"mappings-api:version-{name}": Route(
            frozenset({CONTROLLER}), method="POST", kwargs=lambda s: {"pk": s["mappings"]["draft"].pk}, data=data
        )
        for name, data in {
            "rules": lambda s: {"source_value": "FR-10", "target_model": "account.tax", "target_id": "41"},
            "configure": lambda s: {"auto_match": True},
            "import": lambda s: {},
            "submit": lambda s: {"reason": "Rates for 2026"},
            "discard": lambda s: {},
            "restore": lambda s: {},
        }.items()
    },
    **{
        f"mappings-api:version-{name}": Route(
            frozenset({CONTROLLER}),
            method="POST",
            kwargs=lambda s: {"pk": s["mappings"]["pending"].pk},
            data=lambda s: {"reason": "Checked."},
        )
        for name in ("approve", "reject", "withdraw")
    },
    "mappings-api:rule-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["mappings"]["rule"].pk}
    ),
    "mappings-api:master-data": Route(STAFF, data=lambda s: {"entity": "FR", "model": "account.tax"}),
    "mappings-api:master-data-refresh": Route(
        frozenset({CONTROLLER, IT_ADMIN}), method="POST", data=lambda s: {"entity": "FR"}
    ),
    # --- documents ---------------------------------------------------------------------------------------
    "documents:index": Route(STAFF),
    "documents:detail": Route(frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["documents"]["document"].pk}),
    "documents:import": Route(frozenset({CONTROLLER})),
    "documents-api:document-list": Route(STAFF),
    "documents-api:document-detail": Route(
        frozenset({CONTROLLER, AUDITOR}), kwargs=lambda s: {"pk": s["documents"]["document"].pk}
    ),
    "documents-api:document-import": Route(frozenset({CONTROLLER}), method="POST"),
    "canonical-document-schema": Route(EVERYONE),
    # --- connectors --------------------------------------------------------------------------------------
    "connectors:index": Route(STAFF),  # finance users see names and health only
    "connectors:create": Route(frozenset({IT_ADMIN})),
    "connectors:detail": Route(STAFF, kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}),
    "connectors:edit": Route(frozenset({IT_ADMIN}), kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}),
    "connectors:test": Route(
        frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors:grant": Route(
        frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors:credential_add": Route(
        frozenset({IT_ADMIN}), kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors:credential": Route(
        frozenset({IT_ADMIN, AUDITOR}), kwargs=lambda s: {"pk": s["connectors"]["active"].credential_id}
    ),
    **{
        f"connectors:version_{action}": Route(
            frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"pk": s["connectors"]["pending"].pk}
        )
        for action in ("test", "approve", "activate", "revoke")
    },
    "connectors-api:connector-list": Route(STAFF),
    "connectors-api:connector-detail": Route(STAFF, kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}),
    "connectors-api:connector-test": Route(
        frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors-api:connector-grant": Route(
        frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors-api:credential-list": Route(
        frozenset({IT_ADMIN, AUDITOR}), kwargs=lambda s: {"slug": s["connectors"]["connector"].slug}
    ),
    "connectors-api:version-detail": Route(
        frozenset({IT_ADMIN, AUDITOR}), kwargs=lambda s: {"pk": s["connectors"]["pending"].pk}
    ),
    **{
        f"connectors-api:version-{action}": Route(
            frozenset({IT_ADMIN}), method="POST", kwargs=lambda s: {"pk": s["connectors"]["pending"].pk}
        )
        for action in ("test", "approve", "activate", "revoke")
    },
}
