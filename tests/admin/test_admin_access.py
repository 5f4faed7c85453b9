"""Login, logout, roles, CSRF, throttling and security headers of the editing area."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from catalogue import create_app
from catalogue.admin import PUBLIC_ENDPOINTS, SCRIPT_ENDPOINTS
from catalogue.extensions import db
from catalogue.models import (
    ApiToken,
    AuditEvent,
    Change,
    ChangeProposal,
    FormStash,
    Keyword,
    Organisation,
    Revision,
    User,
)
from catalogue.security import CONTENT_SECURITY_POLICY

from .conftest import PASSWORD, Editor, csrf_token, login

ADMIN_ONLY = (
    "admin.user_list",
    "admin.user_edit",
    "admin.user_password",
    "admin.token_list",
    "admin.token_revoke",
    "admin.audit_log",
)


def _admin_routes(app, values=None):
    """Every URL rule under /admin (whichever blueprint registered it) except the login page,
    built with ``values`` or placeholder arguments, and its methods."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        placeholder = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments
        }
        # Organisations and keywords both go by "slug".
        keys = {
            name: "keyword_slug" if name == "slug" and "/stichworte/" in rule.rule else name for name in rule.arguments
        }
        args = {name: (values or {}).get(keys[name], placeholder[name]) for name in rule.arguments}
        yield rule.endpoint, adapter.build(rule.endpoint, args), sorted(rule.methods - {"HEAD", "OPTIONS"})


def _real_values(project) -> dict:
    """URL arguments naming real rows, so a request that got through would act on something."""
    return {
        "project_id": project.id,
        "revision_id": db.session.scalar(select(Revision.id).where(Revision.project_id == project.id)),
        "slug": db.session.scalar(select(Organisation.slug)),
        "keyword_slug": db.session.scalar(select(Keyword.slug)),
        "user_id": db.session.scalar(select(User.id).where(User.username == "editor")),
        "token_id": db.session.scalar(select(ApiToken.id)),
        "proposal_id": db.session.scalar(select(ChangeProposal.id)),
    }


#: Form data that every POST route would act on if nothing stopped it.
_ACTING_DATA = {
    "status": "archived",
    "version": "1",
    "title": "Übernommen",
    "name": "Übernommen",
    "target": "Gemeinde Beispieldorf",
    "password": "ein anderes langes Passwort",
    "username": "mallory",
    "role": "admin",
    "user": "1",
    "active": "",
    "overwrite": "y",
    "accept_note": "ok",
    "reject_note": "Nein.",
}


def _state():
    """What a successful POST to any admin route would change."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.max(Change.seq))),
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
        db.session.scalar(select(func.count(Keyword.id))),
        db.session.scalar(select(func.count(ApiToken.id))),
        db.session.scalars(select(ApiToken.revoked_at)).all(),
        db.session.scalars(select(User.password_hash).order_by(User.id)).all(),
        db.session.scalars(select(User.active).order_by(User.id)).all(),
        db.session.scalars(select(ChangeProposal.status).order_by(ChangeProposal.id)).all(),
        db.session.scalar(select(func.count()).select_from(FormStash)),
    )


@pytest.fixture
def something_to_act_on(users, make_project):
    """A profile, organisations, a keyword, an API token and an open change proposal for the routes to act on."""
    from catalogue.accounts import create_api_token
    from catalogue.editing import propose_change

    from conftest import project_data

    project = make_project()
    make_project(
        title="Zweites Profil", participants=[{"role": "lead", "organisation": {"name": "Beispieldorf (Gemeinde)"}}]
    )
    create_api_token(users["editor"], "Portal", "test")
    propose_change(project, project_data(summary="Ein Vorschlag."), users["limited"], project.version)
    db.session.commit()
    return project


def test_the_route_list_covers_the_editing_area(app):
    endpoints = {endpoint for endpoint, _, _ in _admin_routes(app)}
    assert PUBLIC_ENDPOINTS == {"admin.login"}
    assert {
        "admin.index",
        "admin.project_edit",
        "admin.project_status",
        "admin.project_restore",
        "admin.organisation_merge",
        "admin.keyword_merge",
        "admin.user_password",
        "admin.token_revoke",
        "admin.audit_log",
        "admin.logout",
    } <= endpoints
    assert len(endpoints) >= 20


def test_no_admin_page_without_login(app, client, something_to_act_on):
    before = _state()
    # A CSRF token of this (anonymous) session, so it is the login check that refuses a POST.
    token = csrf_token(client.get("/admin/login").text)
    checked = 0
    for endpoint, url, methods in _admin_routes(app, _real_values(something_to_act_on)):
        for method in methods:
            data = None if method == "GET" else {"csrf_token": token, **_ACTING_DATA}
            response = client.open(url, method=method, data=data)
            checked += 1
            if endpoint in SCRIPT_ENDPOINTS:  # fetched by the editor's scripts: 401, no redirect
                assert response.status_code == 401 and response.is_json, (endpoint, method, response.status_code)
                continue
            assert response.status_code == 302, (endpoint, method, url, response.status_code)
            assert response.headers["Location"].startswith("/admin/login"), (endpoint, method)
    assert checked >= 25
    assert _state() == before


def test_every_form_post_without_a_valid_csrf_token_is_rejected(app, admin, something_to_act_on):
    values = _real_values(something_to_act_on)
    before = _state()
    other_session = csrf_token(app.test_client().get("/admin/login").text)
    posts = [(endpoint, url) for endpoint, url, methods in _admin_routes(app, values) if "POST" in methods]
    assert len(posts) >= 12
    for endpoint, url in posts + [("admin.login", "/admin/login")]:
        for data in (
            {**_ACTING_DATA},
            {"csrf_token": "gefälscht", **_ACTING_DATA},
            {"csrf_token": other_session, **_ACTING_DATA},
        ):
            response = admin.client.post(url, data=data)
            assert response.status_code == 400, (endpoint, data.get("csrf_token"), response.status_code)
            assert "Sicherheitsprüfung des Formulars ist fehlgeschlagen" in response.text, endpoint
    assert _state() == before
    assert admin.get("/admin/").status_code == 200  # still logged in: the refused logout did nothing


def test_every_get_page_renders_for_an_admin(app, admin, something_to_act_on):
    for endpoint, url, methods in _admin_routes(app, _real_values(something_to_act_on)):
        if "GET" in methods:
            response = admin.get(url)
            assert response.status_code == 200, (endpoint, url, response.status_code)


def test_editors_do_not_reach_admin_only_pages(app, editor):
    for endpoint, url, methods in _admin_routes(app):
        if endpoint in ADMIN_ONLY and "GET" in methods:
            assert editor.get(url).status_code == 403, endpoint
    page = editor.get("/admin/")
    assert "/admin/benutzer" not in page.text
    response = editor.post_form(
        "/admin/", {"username": "mallory", "password": PASSWORD, "role": "admin"}, action="/admin/benutzer"
    )
    assert response.status_code == 403


def test_login_redirects_to_the_page_asked_for_but_never_off_site(client, users):
    response = client.get("/admin/projekte?status=draft")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    token = csrf_token(page.text)
    response = client.post(
        "/admin/login",
        data={"csrf_token": token, "username": "editor", "password": PASSWORD, "next": "/admin/projekte?status=draft"},
    )
    assert response.headers["Location"] == "/admin/projekte?status=draft"
    client.post("/admin/logout", data={"csrf_token": csrf_token(client.get("/admin/").text)})
    for evil in ("https://evil.example/", "//evil.example/admin", "/\\evil.example"):
        token = csrf_token(client.get("/admin/login").text)
        response = client.post(
            "/admin/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD, "next": evil}
        )
        assert response.headers["Location"] == "/admin/", evil
        client.post("/admin/logout", data={"csrf_token": csrf_token(client.get("/admin/").text)})


def test_wrong_user_and_wrong_password_get_the_same_answer(client, users):
    wrong_password = login(client, "editor", "falsches Passwort!!")
    unknown_user = login(client, "niemand", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in wrong_password.text
    assert wrong_password.text.replace("niemand", "editor").count("falsch") == unknown_user.text.replace(
        "niemand", "editor"
    ).count("falsch")
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
    # A different made-up bearer token on every guess must not buy a fresh count.
    statuses = [
        client.post(
            "/admin/login",
            data={"csrf_token": token, "username": "editor", "password": "falsch"},
            headers={"Authorization": f"Bearer ikz_geraten{attempt}"},
        ).status_code
        for attempt in range(limit + 1)
    ]
    assert statuses[:limit] == [401] * limit
    assert statuses[-1] == 429
    # Even the right password is refused until the window passes.
    refused = client.post("/admin/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD})
    assert refused.status_code == 429 and "Zu viele Anfragen" in refused.text
    assert refused.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/admin/").status_code == 302  # not logged in


def test_logout_needs_post_and_ends_the_session(app, users):
    editor = Editor(app.test_client(), "editor")
    assert login(editor.client, "editor").status_code == 302  # through the form: both are audited
    assert editor.get("/admin/logout").status_code == 405
    response = editor.post_form("/admin/", {}, action="/admin/logout")
    assert response.status_code == 302
    assert editor.get("/admin/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login", "logout"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/projekte", 200),
        ("/suche?q=Standesamt", 200),
        ("/admin/login", 200),
        ("/admin/", 302),
        ("/static/catalogue.css", 200),
        ("/api/v1/projects", 200),
        ("/gibt-es-nicht", 404),
        ("/projekte?seit_von=gestern", 400),
        ("/admin/logout", 405),
        ("/api/v1/projects/gibt-es-nicht", 404),
    ],
)
def test_security_headers_on_every_response(client, users, path, status):
    response = client.get(path)
    response.close()  # static files are streamed from an open file
    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_admin_pages_have_no_inline_script_or_style(admin, something_to_act_on):
    project = something_to_act_on
    proposal_id = db.session.scalar(select(ChangeProposal.id))
    for url in (
        "/admin/",
        f"/admin/projekte/{project.id}",
        f"/admin/projekte/{project.id}/verlauf",
        f"/admin/projekte/{project.id}/vorschau",
        "/admin/benutzer",
        "/admin/vorschlaege",
        f"/admin/vorschlaege/{proposal_id}",
    ):
        html = admin.get(url).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html, url
        assert " onclick=" not in html


def _session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_and_secure_only_in_production(app, client, users, tmp_path):
    cookie = _session_cookie(login(client, "editor"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # development runs on http
    production = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "k" * 40,
            "TESTING": True,
            "TRUSTED_PROXIES": 0,
            "IMPRINT_URL": "https://example.org/i",
            "PRIVACY_URL": "https://example.org/d",
            "ACCESSIBILITY_URL": "https://example.org/b",
            "CONTACT_EMAIL": "redaktion@example.org",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "INDEX_DIR": str(tmp_path / "index"),
        }
    )
    with production.test_client() as secure_client:
        page = secure_client.get("/admin/login", base_url="https://katalog.example")
        cookie = _session_cookie(page)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        # Over HTTPS Flask-WTF also wants a same-site Referer, as browsers send it.
        response = secure_client.post(
            "/admin/login",
            base_url="https://katalog.example",
            data={
                "csrf_token": csrf_token(page.text),
                "username": "editor",
                "password": PASSWORD,
            },
            headers={"Referer": "https://katalog.example/admin/login"},
        )
        assert response.status_code == 302
        assert "Secure" in _session_cookie(response)
    with production.app_context():
        db.engine.dispose()


def test_a_script_fetch_without_login_is_401_and_leaves_the_flashes_alone(client):
    """The editor's suggestion fetch after the login expired must not follow a redirect to the
    login page: rendering it there would take the "login expired" notice away from the editor."""
    with client.session_transaction() as session:
        session["_flashes"] = [("error", "Ihre Anmeldung war abgelaufen")]
    response = client.get("/admin/organisationen/vorschlaege?q=Gemeinde")
    assert response.status_code == 401 and response.is_json
    with client.session_transaction() as session:
        assert session.get("_flashes") == [("error", "Ihre Anmeldung war abgelaufen")]
