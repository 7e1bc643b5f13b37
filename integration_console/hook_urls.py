"""The URLconf of webhook deliveries (set by integration_console/wsgi_hooks.py): /hooks/… only, so resolving a
delivery does not first try the site's every other pattern. The site's URLconf mounts the same patterns."""

from django.urls import include, path

urlpatterns = [path("hooks/", include("apps.sync.hook_urls"))]

handler403 = "integration_console.errors.permission_denied"
handler404 = "integration_console.errors.page_not_found"
