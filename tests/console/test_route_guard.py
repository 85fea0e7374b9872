"""Every registered route refuses anonymous requests (walked from the router, not listed)."""

from __future__ import annotations

import re
from typing import Iterator, List, Tuple

import pytest
from sanic_routing.route import Route

from tests.helpers.console import Client, Console, csrf_token

pytestmark = pytest.mark.servers

PARAMETER = re.compile(r"^<(?P<name>[^:>]+)(?::(?P<kind>[^>]+))?>$")
SAMPLES = {"sender_id": "patient-booked", "reference": "ABC123", "__file_uri__": "console.css"}


def concrete_path(route: Route) -> str:
    """The route's path with a plausible value for each parameter."""
    parts = []
    for part in route.parts:
        found = PARAMETER.match(part)
        parts.append(SAMPLES.get(found.group("name"), "x") if found else part)
    return "/" + "/".join(parts)


def every_route(console: Console) -> Iterator[Tuple[Route, str, str]]:
    routes = console.app.router.routes
    assert len(routes) >= 15, "the router lists fewer routes than the console has"
    for route in routes:
        for method in sorted(route.methods):
            yield route, method, concrete_path(route)


def test_only_login_health_and_static_files_are_public(console: Console) -> None:
    public = console.app.ctx.public
    names = {route.name for route in console.app.router.routes}
    assert public <= names
    assert {name.split(".", 1)[1] for name in public} == {
        "pages.login_form",
        "pages.login",
        "pages.healthz",
        "static",
    }


def test_every_route_refuses_a_request_without_login(console: Console) -> None:
    checked: List[str] = []
    for route, method, path in every_route(console):
        if route.name in console.app.ctx.public:
            continue
        response = Client(console.url).request(method, path, form={} if method == "POST" else None)
        if path.startswith("/api/"):
            assert response.status == 401, f"{method} {path}: {response.status}"
            assert response.json() == {"error": "unauthorized"}
            assert response.header("www-authenticate").startswith("Bearer")
        else:
            assert response.status == 303, f"{method} {path}: {response.status}"
            assert response.header("location").startswith("/login"), path
            assert b"Ann Lee" not in response.body and b"patient" not in response.body
        checked.append(f"{method} {path}")
    assert "GET /conversations/patient-booked" in checked
    assert "POST /appointments/ABC123/status" in checked
    assert "GET /api/conversations/patient-booked" in checked


def test_public_routes_answer_without_login(console: Console) -> None:
    client = Client(console.url)
    assert client.get("/healthz").text == "ok"
    assert client.get("/static/console.css").status == 200
    assert client.get("/login").status == 200
    # ...but the login form itself is CSRF-protected
    assert client.post("/login", {"username": "alice", "password": "x" * 20}).status == 403


def test_a_bad_or_forged_session_cookie_is_refused(console: Console) -> None:
    client = Client(console.url)
    for forged in ("nonsense", "abc.def", "a" * 43 + ".signature"):
        client.cookies["console_session"] = forged
        response = client.get("/conversations")
        assert response.status == 303 and response.header("location").startswith("/login")


def test_every_form_route_needs_the_csrf_token(console: Console, bob: Client) -> None:
    posts = [
        (route, path)
        for route, method, path in every_route(console)
        if method == "POST" and route.name not in console.app.ctx.public
    ]
    assert len(posts) >= 4
    for _, path in posts:
        for form in ({}, {"csrf_token": "wrong"}):
            response = bob.post(path, {**form, "sender_id": "patient-booked", "status": "attended"})
            assert response.status == 403, f"POST {path} with {form}: {response.status}"
    # A right token from another origin is refused too.
    token = csrf_token(bob.get("/").text)
    response = bob.post(
        "/notes",
        {"csrf_token": token, "sender_id": "patient-booked", "body": "x"},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status == 403


def test_a_session_cookie_does_not_open_the_api(console: Console, bob: Client) -> None:
    for _route, method, path in every_route(console):
        if path.startswith("/api/"):
            assert bob.request(method, path).status == 401
