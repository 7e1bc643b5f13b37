"""Sample objects for the URL × role test. Each app adds what its URLs need, under its own key."""


def build_samples(entities) -> dict:
    samples = {"entities": entities}
    samples["ledger"] = _ledger_samples()
    samples["connectors"] = connectors_samples(entities)
    samples["worklist"] = worklist_samples(entities)
    samples["mappings"] = mappings_samples(entities)
    samples["documents"] = documents_samples()
    samples["sync"] = sync_samples(samples["connectors"]["connector"], entities, samples["documents"]["document"])
    samples["reporting"] = reporting_samples(entities)
    samples["access"] = access_samples()
    return samples


def access_samples() -> dict:
    """An API token of the `controller` fixture user (created if the test did not ask for that fixture)."""
    from django.contrib.auth import get_user_model

    from apps.access.services import user_ensure
    from apps.access.tokens import api_token_create
    from tests.conftest import PASSWORD

    owner = get_user_model().objects.filter(username="controller").first() or user_ensure(
        reason="test fixture", username="controller", password=PASSWORD, role="finance_controller"
    )
    return {"token": api_token_create(actor=owner, name="sample script").token}


def documents_samples() -> dict:
    """One FR expense report received by webhook: the FR controller, IT (capability only) and the auditor."""
    from apps.documents.normalize import normalize_canonical
    from apps.documents.services import document_receive
    from tests.documents.examples import minimal_report

    canonical = normalize_canonical(minimal_report(id="R-SAMPLE"))
    document, _ = document_receive(
        canonical=canonical, connector_slug="demo-platform", source_system="generic", raw_payload={}, actor="samples"
    )
    return {"document": document}


def connectors_samples(entities) -> dict:
    """A webhook connector owned by the `itadmin` fixture user: v1 active, v2 pending."""
    from django.contrib.auth import get_user_model

    from apps.access.services import user_ensure
    from tests.conftest import PASSWORD
    from tests.connectors.factories import webhook_connector

    # The `it_admin` fixture user when it exists (re-running user_ensure would reset its password and so log
    # out the test client).
    owner = get_user_model().objects.filter(username="itadmin").first() or user_ensure(
        reason="test fixture", username="itadmin", password=PASSWORD, role="integration_admin"
    )
    connector, active, pending = webhook_connector(owner=owner, entities=list(entities.values()), pending=True)
    return {"connector": connector, "active": active, "pending": pending}


def worklist_samples(entities) -> dict:
    """An FR mapping_missing item, a bulk action and a saved filter of the `controller` fixture user."""
    from tests.worklist.matrix import build_samples as build_worklist_samples

    return build_worklist_samples(entities)


def _ledger_samples() -> dict:
    from apps.ledger.services import ledger_append

    # FR + a connector: the FR controller (entity), IT (connector) and the auditor (all) may see it.
    entry = ledger_append(
        kind="expense_report.received", direction="inbound", entity="FR", connector="expensify", payload={"id": 1}
    )
    return {"entry": entry}


def sync_samples(connector, entities, document=None) -> dict:
    """A flow over the sample connector and one finished run of it (holding the sample document, when given)."""
    from apps.sync.models import Flow, RunDocument, SyncRun

    flow = Flow.objects.create(name="Sample flow", slug="sample-flow", source=connector, target=connector)
    flow.entities.set(list(entities.values()))
    run = SyncRun.objects.create(flow=flow, trigger="manual", run_key="sample-run", status="succeeded")
    if document is not None:
        RunDocument.objects.create(run=run, document=document, outcome="held", message="Unknown tax code.")
    return {"flow": flow, "run": run}


def mappings_samples(entities) -> dict:
    """FR tax set (active v1 + draft v2), FR category set with a pending version (tests/mappings/matrix.py)."""
    from tests.mappings.matrix import build_samples as build_mapping_samples

    return build_mapping_samples(entities)


def reporting_samples(entities) -> dict:
    """A finished FR reconciliation with one difference (tests/reporting/samples.py)."""
    from tests.reporting.samples import build_samples as build_reporting_samples

    return build_reporting_samples(entities)
