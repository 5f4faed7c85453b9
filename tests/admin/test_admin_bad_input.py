"""Bad input in the editing area gets a clear 4xx, never a 500, on SQLite and PostgreSQL alike:
a NUL or another control character in a login, a form, a search box or an address, and texts
longer than their column (PostgreSQL refuses both, SQLite stored them silently)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import ApiToken, AuditEvent, ChangeProposal, RateCounter, User

from .conftest import PASSWORD, login
from .test_admin_proposals import NEW_SUMMARY, _accept, _propose, _published

BAD = ["ad\x00min", "ad\x01min", "ad\x9fmin"]


@pytest.mark.parametrize("username", BAD)
def test_a_username_with_a_control_character_is_a_failed_login(client, users, username):
    response = login(client, username)
    assert response.status_code == 401 and "Benutzername oder Passwort ist falsch." in response.text
    assert client.get("/admin/").status_code == 302  # not logged in
    # Counted like every failed login (per account and address), without the character.
    keys = db.session.scalars(select(RateCounter.key)).all()
    assert "login:user:admin" in keys and not any("\x00" in key for key in keys)
    (target,) = db.session.scalars(select(AuditEvent.target).where(AuditEvent.action == "login_failed")).all()
    assert target == "user:admin"


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("display_name", "Neue\x00Kollegin", "Nullzeichen"),
        ("display_name", "Neue\x07Kollegin", "Steuerzeichen U+0007"),
        ("display_name", "x" * 300, "Höchstens 120 Zeichen"),
        ("email", "neu\x00@example.org", "Nullzeichen"),
        ("email", "n" * 300 + "@example.org", "Höchstens 200 Zeichen"),
    ],
)
def test_creating_a_user_refuses_control_characters_and_overlong_texts(admin, users, field, value, message):
    before = _user_count()
    data = {"username": "neu", "display_name": "Neue Kollegin", "password": PASSWORD, "role": "editor"}
    response = admin.post_form("/admin/benutzer", {**data, field: value})
    assert response.status_code == 422 and message in response.text
    assert f'href="#{field}"' in response.text and f'id="{field}-error"' in response.text
    db.session.expire_all()
    assert _user_count() == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("display_name", "Neue\x00Kollegin", "Nullzeichen"),
        ("display_name", "x" * 300, "Höchstens 120 Zeichen"),
        ("email", "neu\x1b@example.org", "Steuerzeichen U+001B"),
    ],
)
def test_editing_a_user_refuses_control_characters_and_overlong_texts(admin, users, field, value, message):
    user = users["editor"]
    url = f"/admin/benutzer/{user.id}"
    data = {"display_name": "Eddi", "email": "", "role": "editor", "can_publish": "y", "active": "y"}
    response = admin.post_form(url, {**data, field: value})
    assert response.status_code == 422 and message in response.text
    assert f'href="#{field}"' in response.text
    db.session.expire_all()
    assert user.display_name == "" and user.email == ""


def test_a_token_name_with_a_nul_or_too_long_is_a_form_error(admin, users):
    for name, message in (("Portal\x00", "Nullzeichen"), ("p" * 300, "Höchstens 120 Zeichen")):
        response = admin.post_form("/admin/tokens", {"user": str(users["editor"].id), "name": name})
        assert response.status_code == 422 and message in response.text and 'href="#name"' in response.text
        assert 'id="neues-token"' not in response.text
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "\x01", "\x9f"])
def test_admin_search_boxes_drop_control_characters(admin, make_project, q):
    make_project(title="Gemeinsamer Bauhof ab")
    assert admin.get("/admin/projekte", query_string={"q": q}).status_code == 200
    assert admin.get("/admin/organisationen", query_string={"q": q}).status_code == 200
    response = admin.get("/admin/organisationen/vorschlaege", query_string={"q": q})
    assert response.status_code == 200 and isinstance(response.get_json(), list)
    assert admin.get("/admin/protokoll", query_string={"aktion": q}).status_code == 200
    # What is left of the words still searches.
    if q == "a\x00b":
        assert "Gemeinsamer Bauhof ab" in admin.get("/admin/projekte", query_string={"q": "Bau\x00hof"}).text


@pytest.mark.parametrize("path", ["/admin/organisationen/a%00b", "/admin/stichworte/a%00b", "/admin/stichworte/a%1Fb"])
def test_addresses_with_control_characters_are_404(admin, path):
    assert admin.get(path).status_code == 404


def test_a_merge_target_with_a_nul_is_not_found(admin, make_project):
    project = make_project()
    organisation = project.participations[0].organisation
    keyword = project.keywords[0]
    for url in (f"/admin/organisationen/{organisation.slug}", f"/admin/stichworte/{keyword.slug}"):
        response = admin.post_form(url, {"target": "a\x00b"}, action=f"{url}/zusammenfuehren")
        assert response.status_code == 422 and 'href="#target"' in response.text


def test_proposal_notes_with_a_nul_are_refused(editor, limited, admin):
    project = _published(editor)
    assert _propose(limited, project, summary=NEW_SUMMARY).status_code == 303
    proposal = db.session.scalar(select(ChangeProposal))
    url = f"/admin/vorschlaege/{proposal.id}"
    refused = admin.post_form(url, {"reject_note": "Bitte\x00 belegen."}, action=f"{url}/ablehnen")
    assert refused.status_code == 422 and "Nullzeichen" in refused.text and 'href="#reject_note"' in refused.text
    refused = _accept(admin, proposal.id, accept_note="Danke\x00")
    assert refused.status_code == 422 and "Nullzeichen" in refused.text
    db.session.expire_all()
    assert proposal.status == "open" and proposal.note == ""
    assert _accept(admin, proposal.id, accept_note="Danke").status_code == 303
