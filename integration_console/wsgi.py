import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_console.settings")
application = get_wsgi_application()

from integration_console.startup import assert_database_reachable  # noqa: E402  (needs settings loaded)

assert_database_reachable()
