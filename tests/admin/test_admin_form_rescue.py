"""A refused save never loses what was typed: a stale CSRF token gives the form back with the
input, an expired login keeps the input across the login. Nothing is written without a valid
token and login, and only posts from the site's own pages are rescued."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import AuditEvent, FormStash, Project, Revision

from .conftest import PASSWORD, create, csrf_token, edit_form_data, login, profile_form

OWN = {"Origin": "http://localhost"}
TYPED = "Ein Text, der nach einer Stunde Arbeit nicht verloren gehen darf."


def _written():
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Revision.id))), db.session.scalar(select(func.count(Project.id))))


def test_a_stale_token_gives_the_form_back_with_everything_typed(editor):
    create(editor)
    project = db.session.scalar(select(Project))
    url = f"/admin/projekte/{project.id}"
    _, data = edit_form_data(editor, project.id)
    before = _written()
    response = editor.client.post(url, data={**data, "summary": TYPED, "csrf_token": "veraltet"}, headers=OWN)
    assert response.status_code == 400
    html = response.text
    assert "Sicherheitsprüfung des Formulars ist fehlgeschlagen" in html and "Nichts wurde gespeichert" in html
    assert 'id="fehler"' in html and 'role="alert"' in html  # admin.js moves the focus there
    assert TYPED in html and 'value="Gemeinde Westfeld"' in html
    assert _written() == before
    # The page carries a fresh token: saving from it works.
    token = csrf_token(html.split('class="admin-form"')[1])
    assert token != "veraltet"
    saved = editor.client.post(url, data={**data, "summary": TYPED, "csrf_token": token})
    assert saved.status_code == 303
    db.session.expire_all()
    assert project.summary == TYPED and project.version == 2


def test_posts_from_other_sites_are_refused_plainly(editor, client):
    create(editor)
    project = db.session.scalar(select(Project))
    url = f"/admin/projekte/{project.id}"
    _, data = edit_form_data(editor, project.id)
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/formular"}, {}):
        response = editor.client.post(url, data={**data, "summary": TYPED, "csrf_token": "x"}, headers=headers)
        assert response.status_code == 400 and TYPED not in response.text, headers
    # Anonymous posts from elsewhere are not kept either: the login page, nothing stored.
    token = csrf_token(client.get("/admin/login").text)
    response = client.post(
        url, data={**data, "summary": TYPED, "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    assert db.session.scalar(select(func.count()).select_from(FormStash)) == 0


def test_input_typed_before_the_login_expired_comes_back_after_logging_in(editor):
    create(editor)
    project = db.session.scalar(select(Project))
    url = f"/admin/projekte/{project.id}"
    page, data = edit_form_data(editor, project.id)
    token = csrf_token(page)
    # The session ends elsewhere (logout in another tab); the open form still has its token.
    editor.post_form("/admin/", {}, action="/admin/logout")
    before = _written()
    response = editor.client.post(url, data={**data, "summary": TYPED, "csrf_token": token, "save": "1"}, headers=OWN)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/login?next=/admin/projekte/{project.id}"
    assert _written() == before
    login_page = editor.get(response.headers["Location"]).text
    assert "Ihre Anmeldung war abgelaufen" in login_page and "Eingaben sind aufbewahrt" in login_page
    stash = db.session.scalar(select(FormStash))
    assert (
        stash.path == url and ["summary", TYPED] in stash.data and all(name != "csrf_token" for name, _ in stash.data)
    )
    # Log in again: back on the form, with the typed input, still unsaved.
    response = editor.client.post(
        "/admin/login",
        data={
            "csrf_token": csrf_token(login_page),
            "username": "editor",
            "password": PASSWORD,
            "next": url,
        },
    )
    assert response.headers["Location"] == url
    restored = editor.get(url).text
    assert (
        TYPED in restored and "wiederhergestellt, aber noch nicht gespeichert" in restored and 'id="fehler"' in restored
    )
    assert _written() == before
    assert db.session.scalar(select(func.count()).select_from(FormStash)) == 0  # shown once, then gone
    assert TYPED not in editor.get(url).text
    # Saving the restored form is an ordinary save (with its version, so conflicts are still caught).
    _, again = edit_form_data(editor, project.id)
    assert again["version"] == "1"
    assert editor.post_form(url, {**again, "summary": TYPED}).status_code == 303
    db.session.expire_all()
    assert project.summary == TYPED and project.version == 2


def test_a_new_profile_survives_a_lost_session_cookie(app, users):
    client = app.test_client()
    login(client, "editor")
    page = client.get("/admin/projekte/neu").text
    token = csrf_token(page)
    client.delete_cookie("session")  # the browser was closed: login and CSRF session are gone
    form = profile_form(title="Gemeinsamer Bauhof Nordtal", summary=TYPED)
    response = client.post("/admin/projekte/neu", data={**form, "csrf_token": token}, headers=OWN)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login?next=/admin/projekte/neu"
    assert db.session.scalar(select(func.count(Project.id))) == 0
    # Somewhere else first: the start page reminds of the kept input; it stays kept.
    assert login(client, "editor").status_code == 302
    start = client.get("/admin/").text
    assert "wegen einer abgelaufenen Anmeldung nicht gespeichert" in start and 'href="/admin/projekte/neu"' in start
    restored = client.get("/admin/projekte/neu").text
    assert (
        TYPED in restored
        and 'value="Gemeinsamer Bauhof Nordtal"' in restored
        and 'value="Gemeinde Westfeld"' in restored
    )
    assert db.session.scalar(select(func.count(Project.id))) == 0
    assert "login" in db.session.scalars(select(AuditEvent.action)).all()


def test_kept_input_expires_and_belongs_to_its_session_only(app, editor):
    create(editor)
    project = db.session.scalar(select(Project))
    url = f"/admin/projekte/{project.id}"
    _, data = edit_form_data(editor, project.id)
    anonymous = app.test_client()
    token = csrf_token(anonymous.get("/admin/login").text)
    assert anonymous.post(url, data={**data, "summary": TYPED, "csrf_token": token}, headers=OWN).status_code == 303
    # Another browser (the editor's own session) does not get it.
    assert TYPED not in editor.get(url).text
    stash = db.session.scalar(select(FormStash))
    old_id = stash.id
    stash.created_at -= dt.timedelta(hours=25)
    db.session.commit()
    assert login(anonymous, "editor").status_code == 302
    assert TYPED not in anonymous.get(url).text  # older than a day: gone
    # Expired ones are cleared when the next one is kept.
    assert (
        anonymous.post("/admin/logout", data={"csrf_token": csrf_token(anonymous.get("/admin/").text)}).status_code
        == 302
    )
    token = csrf_token(anonymous.get("/admin/login").text)
    assert anonymous.post(url, data={**data, "summary": "neu", "csrf_token": token}, headers=OWN).status_code == 303
    kept = db.session.scalars(select(FormStash.id)).all()
    assert len(kept) == 1 and old_id not in kept


def test_kept_input_is_bounded_in_size_and_number(app, editor, monkeypatch):
    from catalogue.admin import form_rescue

    create(editor)
    project = db.session.scalar(select(Project))
    url = f"/admin/projekte/{project.id}"
    _, data = edit_form_data(editor, project.id)
    monkeypatch.setattr(form_rescue, "MAX_STASHES", 2)

    def post_anonymously(summary):
        anonymous = app.test_client()
        token = csrf_token(anonymous.get("/admin/login").text)
        return anonymous.post(url, data={**data, "summary": summary, "csrf_token": token}, headers=OWN)

    for number in range(3):
        assert post_anonymously(f"Fassung {number}").status_code == 303
    kept = db.session.scalars(select(FormStash)).all()
    assert sorted(dict(stash.data)["summary"] for stash in kept) == ["Fassung 1", "Fassung 2"]  # the oldest went
    # Far more than anyone types is not kept: the plain way to the login.
    monkeypatch.setattr(form_rescue, "MAX_STASH_BYTES", 1000)
    response = post_anonymously("x" * 2000)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
    assert db.session.scalar(select(func.count()).select_from(FormStash)) == 2


def test_a_stale_token_for_a_profile_that_does_not_exist_is_a_plain_refusal(editor):
    response = editor.client.post("/admin/projekte/4711", data={"title": TYPED, "csrf_token": "x"}, headers=OWN)
    assert response.status_code == 400 and "Sicherheitsprüfung des Formulars ist fehlgeschlagen" in response.text
