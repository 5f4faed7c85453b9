"""Sessions that end: logout, a password change, deactivation and "log out everywhere" end
every session of the account on every worker (a copied cookie replayed afterwards goes to the
login page); failed logins are throttled per account and per address across workers, counted
in the shared database."""

from __future__ import annotations

import pytest
from admin.conftest import PASSWORD, csrf_token, login
from flask import g, has_app_context
from flask.testing import FlaskClient

from catalogue import create_app
from catalogue.accounts import create_user, find_user
from catalogue.extensions import db


class _Client(FlaskClient):
    """Each request identifies its user from its own cookie (the tests' app context is shared)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def workers(app):
    """Four app instances on the one database, like four gunicorn workers (same secret key).
    Not the tests' own app: its app context outlives requests, and so would its session's rows."""
    instances = [
        # An hour's window: a run that crosses a window's end still counts every attempt.
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "INDEX_DIR": app.config["INDEX_DIR"],
                "LOGIN_RATE_LIMIT": "10 per hour",
            }
        )
        for _ in range(4)
    ]
    for instance in instances:
        instance.test_client_class = _Client
    yield instances
    for instance in instances:
        with instance.app_context():
            db.engine.dispose()


@pytest.fixture
def accounts():
    db.session.rollback()  # the workers write: leave them no open read of ours to wait for
    create_user("admin", PASSWORD, "admin", "test")
    create_user("editor", PASSWORD, "editor", "test")
    db.session.commit()


def _logged_in(worker, username="editor"):
    client = worker.test_client()
    assert login(client, username).status_code == 302
    return client


def _replay(worker, cookie: str):
    """A fresh client (another machine) presenting a copied session cookie."""
    thief = worker.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/admin/")


def _post(client, action: str, page: str = "/admin/"):
    return client.post(action, data={"csrf_token": csrf_token(client.get(page).text)})


def test_a_cookie_copied_before_logout_is_worthless_after_it(workers, accounts):
    client = _logged_in(workers[0])
    cookie = client.get_cookie("session").value
    assert _replay(workers[1], cookie).status_code == 200  # the copy works while the session lives
    assert _post(client, "/admin/logout").status_code == 302
    for worker in workers:
        replayed = _replay(worker, cookie)
        assert replayed.status_code == 302 and "/admin/login" in replayed.headers["Location"]


def test_logout_ends_the_sessions_on_other_devices_too(workers, accounts):
    laptop, phone = _logged_in(workers[0]), _logged_in(workers[1])
    _post(laptop, "/admin/logout")
    assert phone.get("/admin/").status_code == 302
    assert _logged_in(workers[2]).get("/admin/").status_code == 200  # logging in again works


def test_a_password_change_ends_every_session(workers, accounts):
    editor, admin = _logged_in(workers[0]), _logged_in(workers[1], "admin")
    cookie = editor.get_cookie("session").value
    user_id = find_user("editor").id
    page = f"/admin/benutzer/{user_id}"
    response = admin.post(
        f"{page}/passwort", data={"csrf_token": csrf_token(admin.get(page).text), "password": "ein ganz neues Passwort"}
    )
    assert response.status_code == 303
    assert editor.get("/admin/").status_code == 302
    assert _replay(workers[2], cookie).status_code == 302
    assert admin.get("/admin/").status_code == 200  # the admin's own session is untouched


def test_deactivation_ends_every_session_even_after_reactivation(workers, accounts):
    editor, admin = _logged_in(workers[0]), _logged_in(workers[1], "admin")
    cookie = editor.get_cookie("session").value
    page = f"/admin/benutzer/{find_user('editor').id}"
    db.session.rollback()
    form = {"display_name": "", "email": "", "role": "editor", "can_publish": "y"}
    saved = admin.post(page, data={**form, "csrf_token": csrf_token(admin.get(page).text)})  # "active" unticked
    assert saved.status_code == 303
    assert not find_user("editor").active
    db.session.rollback()
    saved = admin.post(page, data={**form, "active": "y", "csrf_token": csrf_token(admin.get(page).text)})
    assert saved.status_code == 303
    assert find_user("editor").active
    db.session.rollback()
    assert _replay(workers[2], cookie).status_code == 302  # active again, but the old session stays ended


def test_log_out_everywhere_button(workers, accounts):
    editor, admin = _logged_in(workers[0]), _logged_in(workers[1], "admin")
    page = f"/admin/benutzer/{find_user('editor').id}"
    assert "Überall abmelden" in admin.get(page).text
    response = _post(admin, f"{page}/sitzungen-beenden", page)
    assert response.status_code == 303
    assert editor.get("/admin/").status_code == 302
    assert admin.get("/admin/").status_code == 200
    own = f"/admin/benutzer/{find_user('admin').id}"
    assert _post(admin, f"{own}/sitzungen-beenden", own).status_code == 303
    assert admin.get("/admin/").status_code == 302


def _attempt(worker, username: str, password: str, address: str):
    client = worker.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client.get("/admin/login").text)
    return client.post("/admin/login", data={"csrf_token": token, "username": username, "password": password})


def test_failed_logins_per_address_are_counted_across_workers(app, workers, accounts):
    limit = int(workers[0].config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [_attempt(workers[i % 4], f"user{i}", "falsch", "203.0.113.7").status_code for i in range(limit + 1)]
    assert statuses == [401] * limit + [429], statuses
    refused = _attempt(workers[1], "editor", PASSWORD, "203.0.113.7")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _attempt(workers[2], "editor", PASSWORD, "198.51.100.1").status_code == 302  # other addresses go on


def test_failed_logins_per_account_are_counted_across_workers_and_addresses(app, workers, accounts):
    limit = int(workers[0].config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [
        _attempt(workers[i % 4], "editor", "falsch", f"198.51.100.{i + 1}").status_code for i in range(limit + 1)
    ]
    assert statuses == [401] * limit + [429], statuses
    assert _attempt(workers[0], "editor", PASSWORD, "192.0.2.99").status_code == 429
    assert _attempt(workers[0], "admin", PASSWORD, "192.0.2.99").status_code == 302


def test_successful_logins_cost_nothing(app, workers, accounts):
    limit = int(workers[0].config["LOGIN_RATE_LIMIT"].split()[0])
    for i in range(limit + 2):
        assert _attempt(workers[i % 4], "editor", PASSWORD, "203.0.113.8").status_code == 302
