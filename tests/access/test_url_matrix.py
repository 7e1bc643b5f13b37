"""Every URL × every role: the response matches the declaration in tests/access/url_matrix.py."""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.url_matrix import ALL_ROLES, ANONYMOUS, URLS


def named_urls(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django admin: superusers only, tested in test_admin_is_superuser_only
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_named_url_is_declared():
    undeclared = sorted(set(named_urls()) - set(URLS))
    assert not undeclared, f"declare who may use these URLs in tests/access/url_matrix.py: {undeclared}"


def test_no_declaration_is_stale():
    stale = sorted(set(URLS) - set(named_urls()))
    assert not stale, f"these declared URLs no longer exist: {stale}"


@pytest.fixture
def samples(request, entities):
    """Objects the parametrised URLs point at; apps add theirs in tests/access/samples.py."""
    from tests.access.samples import build_samples

    return build_samples(entities)


@pytest.fixture
def as_role(client_for, controller, it_admin, auditor, outsider):
    users = {"controller": controller, "it_admin": it_admin, "auditor": auditor, "outsider": outsider, ANONYMOUS: None}
    return lambda role: client_for(users[role])


def is_denied(response, role) -> bool:
    if role == ANONYMOUS and response.status_code == 302:
        return response["Location"].startswith(reverse(settings.LOGIN_URL))
    return response.status_code in (401, 403, 404)


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_answers_every_role_as_declared(name, as_role, samples):
    """One test per URL, all roles inside it: the samples are built once per URL, not once per role."""
    route = URLS[name]
    url = reverse(name, kwargs=route.kwargs(samples))
    problems = []
    for role in ALL_ROLES:
        response = getattr(as_role(role), route.method.lower())(url, data=route.data(samples))
        if response.status_code >= 500:
            problems.append(f"{role}: {route.method} {url} answered {response.status_code}")
        elif role in route.allowed and is_denied(response, role):
            problems.append(f"{role} should reach {name} but got {response.status_code}")
        elif role not in route.allowed and not is_denied(response, role):
            problems.append(f"{role} must be refused {name} but got {response.status_code}")
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("role", ["outsider", "controller", "it_admin", "auditor"])
def test_admin_is_superuser_only(role, as_role):
    assert as_role(role).get("/admin/").status_code == 404


def test_superuser_reaches_admin(client_for, superuser):
    assert client_for(superuser).get("/admin/").status_code == 200
