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
    # --- access ------------------------------------------------------------------------------------------
    "access:home": Route(LOGGED_IN),  # a redirect to the dashboard, which then checks the role
    "access:login": Route(EVERYONE),
    "access:logout": Route(LOGGED_IN, method="POST"),
    # --- reporting ---------------------------------------------------------------------------------------
    "reporting:dashboard": Route(STAFF),
    # --- worklist ----------------------------------------------------------------------------------------
    "worklist:index": Route(STAFF),
    # --- ledger ------------------------------------------------------------------------------------------
    "ledger:index": Route(STAFF),
    # --- sync --------------------------------------------------------------------------------------------
    "sync:index": Route(STAFF),
    # --- mappings ----------------------------------------------------------------------------------------
    "mappings:index": Route(STAFF),
    # --- connectors --------------------------------------------------------------------------------------
    "connectors:index": Route(STAFF),
}
