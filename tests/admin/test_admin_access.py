"""Login, logout, roles, CSRF, throttling and security headers of the editing area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import AuditEvent
from catalogue.security import CONTENT_SECURITY_POLICY

from .conftest import PASSWORD, csrf_token, login

ADMIN_ONLY = ("admin.user_list", "admin.user_edit", "admin.user_password", "admin.token_list", "admin.token_revoke", "admin.audit_log")


def _admin_routes(app):
    """Every rule of the admin blueprint with placeholder arguments, and its methods."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and rule.endpoint != "admin.login":
            args = {name: (1 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "x") for name in rule.arguments}
            url = rule.rule
            for name, value in args.items():
                url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            yield rule.endpoint, url, sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_the_blueprint_has_the_expected_routes(app):
    endpoints = {endpoint for endpoint, _, _ in _admin_routes(app)}
    assert len(endpoints) >= 20 and "admin.project_edit" in endpoints


def test_no_admin_page_without_login(app, client, users, make_project):
    make_project()
    for endpoint, url, methods in _admin_routes(app):
        for method in methods:
            if method == "GET":
                response = client.get(url)
                assert response.status_code == 302, (endpoint, url)
                assert response.headers["Location"].startswith("/admin/login"), endpoint
            else:
                # Without a session there is no CSRF token either: refused before the view runs.
                response = client.post(url, data={"status": "published"})
                assert response.status_code in (302, 400), (endpoint, url, response.status_code)
    # And with a stolen-looking token from another session it still needs a login.
    other = app.test_client()
    token = csrf_token(other.get("/admin/login").text)
    response = other.post("/admin/projekte/1/status", data={"csrf_token": token, "status": "archived", "version": "1"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_every_get_page_renders_for_an_admin(app, admin, make_project):
    project = make_project()
    from catalogue.models import Keyword, Organisation

    organisation = db.session.scalar(select(Organisation))
    keyword = db.session.scalar(select(Keyword))
    for endpoint, url, methods in _admin_routes(app):
        if "GET" not in methods:
            continue
        url = url.replace("/1", f"/{project.id}") if "projekte" in url else url
        url = url.replace("/organisationen/x", f"/organisationen/{organisation.slug}").replace("/stichworte/x", f"/stichworte/{keyword.slug}")
        response = admin.get(url)
        assert response.status_code == 200, (endpoint, url, response.status_code)


def test_editors_do_not_reach_admin_only_pages(app, editor):
    for endpoint, url, methods in _admin_routes(app):
        if endpoint in ADMIN_ONLY and "GET" in methods:
            assert editor.get(url).status_code == 403, endpoint
    page = editor.get("/admin/")
    assert "/admin/benutzer" not in page.text
    response = editor.post_form("/admin/", {"username": "mallory", "password": PASSWORD, "role": "admin"}, action="/admin/benutzer")
    assert response.status_code == 403


def test_login_redirects_to_the_page_asked_for_but_never_off_site(client, users):
    response = client.get("/admin/projekte?status=draft")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    token = csrf_token(page.text)
    response = client.post("/admin/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD, "next": "/admin/projekte?status=draft"})
    assert response.headers["Location"] == "/admin/projekte?status=draft"
    client.post("/admin/logout", data={"csrf_token": csrf_token(client.get("/admin/").text)})
    for evil in ("https://evil.example/", "//evil.example/admin", "/\\evil.example"):
        token = csrf_token(client.get("/admin/login").text)
        response = client.post("/admin/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD, "next": evil})
        assert response.headers["Location"] == "/admin/", evil
        client.post("/admin/logout", data={"csrf_token": csrf_token(client.get("/admin/").text)})


def test_wrong_user_and_wrong_password_get_the_same_answer(client, users):
    wrong_password = login(client, "editor", "falsches Passwort!!")
    unknown_user = login(client, "niemand", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in wrong_password.text
    assert wrong_password.text.replace("niemand", "editor") .count("falsch") == unknown_user.text.replace("niemand", "editor").count("falsch")
    assert 'value="niemand"' in unknown_user.text  # the username is kept, the password is not
    assert PASSWORD not in unknown_user.text
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login_failed") == 2


def test_deactivated_users_cannot_log_in_and_lose_their_session(app, admin, users):
    other = app.test_client()
    assert login(other, "editor").status_code == 302
    assert other.get("/admin/").status_code == 200
    users["editor"].active = False
    db.session.commit()
    assert other.get("/admin/").status_code == 302
    assert login(app.test_client(), "editor").status_code == 401


def test_login_is_throttled(app, client, users):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    token = csrf_token(client.get("/admin/login").text)
    statuses = [
        client.post("/admin/login", data={"csrf_token": token, "username": "editor", "password": "falsch"}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [401] * limit
    assert statuses[-1] == 429
    # Even the right password is refused until the window passes.
    assert client.post("/admin/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD}).status_code == 429


def test_posts_without_csrf_token_are_rejected(editor, make_project):
    project = make_project(status="draft")
    response = editor.client.post(f"/admin/projekte/{project.id}/status", data={"status": "published", "version": "1"})
    assert response.status_code == 400
    response = editor.client.post(f"/admin/projekte/{project.id}/status", data={"csrf_token": "gefälscht", "status": "published", "version": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    assert project.status == "draft"
    assert editor.client.post("/admin/login", data={"username": "editor", "password": PASSWORD}).status_code == 400


def test_logout_needs_post_and_ends_the_session(editor):
    assert editor.get("/admin/logout").status_code == 405
    response = editor.post_form("/admin/", {}, action="/admin/logout")
    assert response.status_code == 302
    assert editor.get("/admin/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login", "logout"]


@pytest.mark.parametrize("path", ["/", "/projekte", "/admin/login", "/admin/", "/static/catalogue.css", "/gibt-es-nicht"])
def test_security_headers_on_every_response(client, users, path):
    response = client.get(path)
    response.close()  # static files are streamed from an open file
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_admin_pages_have_no_inline_script_or_style(admin, make_project):
    project = make_project()
    for url in ("/admin/", f"/admin/projekte/{project.id}", f"/admin/projekte/{project.id}/verlauf", f"/admin/projekte/{project.id}/vorschau", "/admin/benutzer"):
        html = admin.get(url).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html, url
        assert " onclick=" not in html
