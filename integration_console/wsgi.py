import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_console.settings")
from integration_console.wsgi_hooks import route_hooks

application = route_hooks(get_wsgi_application())  # webhook deliveries skip the browser's middleware

from integration_console.startup import assert_database_reachable  # noqa: E402  (needs settings loaded)

assert_database_reachable()
