"""REST framework glue: every endpoint authenticates and checks a permission through apps.access.permissions."""

from rest_framework.permissions import BasePermission

from apps.access.permissions import can

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class RolePermission(BasePermission):
    """Views declare `required_perms = {"GET": "app.view_x", "POST": "app.add_x"}`; object checks use the same map.

    A view that declares nothing is closed to everyone: forgetting the declaration can never open an endpoint.
    """

    def _perm(self, request, view) -> str | None:
        perms = getattr(view, "required_perms", None) or {}
        return perms.get(request.method) or (perms.get("GET") if request.method in SAFE_METHODS else None)

    def has_permission(self, request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # the view has no handler for this method: it answers 405 Method Not Allowed, runs nothing
        perm = self._perm(request, view)
        user = request.user
        if perm is None or not user or not user.is_authenticated:
            return False
        # Capability is global; object scope is checked per object or by the selector filtering the list.
        return can(user, perm) or getattr(view, "object_scoped", False)

    def has_object_permission(self, request, view, obj) -> bool:
        perm = self._perm(request, view)
        return perm is not None and can(request.user, perm, obj)
