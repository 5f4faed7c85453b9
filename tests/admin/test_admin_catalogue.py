"""Organisations and keywords (edit, merge), users, API tokens, the audit log, and that the
public pages, search and API reflect each change."""

from __future__ import annotations

from sqlalchemy import func, select

from catalogue.accounts import user_for_token
from catalogue.extensions import db
from catalogue.models import AuditEvent, Change, Keyword, Organisation, Participation, Project, Revision, User
from catalogue.services import save_organisation

from .conftest import PASSWORD, create, edit_form_data, login


def _org(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_edit_an_organisation_and_reject_bad_facts(editor, make_project):
    make_project()
    organisation = _org("Gemeinde Beispieldorf")
    url = f"/admin/organisationen/{organisation.slug}"
    page = editor.get(url)
    assert page.status_code == 200 and "Gemeinsames Standesamt Musterstadt" in page.text
    response = editor.post_form(
        url,
        {"name": "Gemeinde Beispieldorf", "kind": "municipality", "ags": "12", "state": "DE-NW", "population": "zwölf"},
    )
    assert response.status_code == 422
    assert (
        "genau 8 Ziffern" in response.text
        and "Ganze Zahl erwartet." in response.text
        and 'value="zwölf"' in response.text
    )
    seq = db.session.scalar(select(func.max(Change.seq)))
    response = editor.post_form(
        url,
        {
            "name": "Gemeinde Beispieldorf",
            "kind": "municipality",
            "ags": "05999002",
            "state": "DE-NW",
            "population": "1.234",
            "area_km2": "12,5",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert organisation.ags == "05999002" and organisation.population == 1234 and organisation.area_km2 == 12.5
    # The profile it takes part in is logged as changed (search index, API feed).
    assert db.session.scalar(select(func.max(Change.seq))) > seq


def test_merge_duplicate_organisations_keeping_all_participations(editor, make_project):
    first = make_project()
    second = make_project(
        title="Gemeinsamer Winterdienst",
        participants=[
            {"role": "lead", "organisation": {"name": "Beispieldorf (Gemeinde)", "kind": "other"}},
            {"role": "partner", "organisation": {"name": "Stadt Musterstadt", "ags": "05999001"}},
        ],
    )
    third = make_project(
        title="Doppelt genannt",
        participants=[
            {"role": "partner", "organisation": {"name": "Gemeinde Beispieldorf"}},
            {"role": "lead", "organisation": {"name": "Beispieldorf (Gemeinde)"}},
        ],
    )
    duplicate, keep = _org("Beispieldorf (Gemeinde)"), _org("Gemeinde Beispieldorf")
    unknown = editor.post_form(
        f"/admin/organisationen/{duplicate.slug}",
        {"target": "Gibt es nicht"},
        action=f"/admin/organisationen/{duplicate.slug}/zusammenfuehren",
    )
    assert unknown.status_code == 422 and "Keine andere Organisation" in unknown.text
    response = editor.post_form(
        f"/admin/organisationen/{duplicate.slug}",
        {"target": keep.name},
        action=f"/admin/organisationen/{duplicate.slug}/zusammenfuehren",
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/organisationen/{keep.slug}"
    db.session.expire_all()
    assert _org("Beispieldorf (Gemeinde)") is None
    assert {p.project_id for p in keep.participations} == {first.id, second.id, third.id}
    assert db.session.get(Project, second.id).lead.name == "Gemeinde Beispieldorf"
    assert [(p.role, p.organisation.name) for p in db.session.get(Project, third.id).participations] == [
        ("lead", "Gemeinde Beispieldorf")
    ]
    for project in (second, third):
        revision = db.session.scalars(
            select(Revision).where(Revision.project_id == project.id).order_by(Revision.version.desc())
        ).first()
        assert revision.actor == "user:editor" and revision.changed_fields == ["participants"]
    assert (
        db.session.scalar(select(func.count(Participation.id)).where(Participation.organisation_id == duplicate.id))
        == 0
    )
    assert "organisation_merge" in db.session.scalars(select(AuditEvent.action)).all()


def test_delete_an_organisation_only_when_it_takes_part_in_nothing(editor, make_project):
    make_project()
    save_organisation({"name": "Gemeinde Vertippt", "kind": "municipality"}, "test")
    db.session.commit()
    page = editor.get("/admin/organisationen/stadt-musterstadt")
    assert "kann nicht gelöscht werden" in page.text and "/loeschen" not in page.text
    spare_page = editor.get("/admin/organisationen/gemeinde-vertippt").text
    title = spare_page[spare_page.index("<title>") : spare_page.index("</title>")]
    assert "löschen" not in title and spare_page.count('id="loeschen"') == 1
    assert spare_page.index('action="/admin/organisationen/gemeinde-vertippt/loeschen"') > spare_page.index("<h1>")
    response = editor.post_form(
        "/admin/organisationen/gemeinde-vertippt", {}, action="/admin/organisationen/gemeinde-vertippt/loeschen"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/organisationen"
    db.session.expire_all()
    assert _org("Gemeinde Vertippt") is None
    assert "organisation_delete" in db.session.scalars(select(AuditEvent.action)).all()
    # Posted anyway (an old tab): refused with a message, nothing lost.
    refused = editor.post_form(
        "/admin/organisationen/stadt-musterstadt", {}, action="/admin/organisationen/stadt-musterstadt/loeschen"
    )
    assert refused.status_code == 409 and "beteiligt" in refused.text
    assert _org("Stadt Musterstadt").participations


def test_review_only_editors_change_only_what_no_published_profile_shows(limited, editor, make_project):
    """An organisation or keyword on a published profile changes that page: it needs the right to
    publish. On drafts only, a review-only editor keeps them right directly."""
    make_project()  # published: Stadt Musterstadt, keyword Standesamt
    make_project(
        status="draft",
        title="Entwurf Bauhof",
        keywords=["Bauhof"],
        participants=[{"role": "lead", "organisation": {"name": "Gemeinde Entwurfsdorf", "kind": "municipality"}}],
    )
    shown, draft_only = _org("Stadt Musterstadt"), _org("Gemeinde Entwurfsdorf")
    page = limited.get(f"/admin/organisationen/{shown.slug}").text
    assert "nur, wer veröffentlichen darf" in page and "zusammenfuehren" not in page and "Speichern" not in page
    data = {
        name: ""
        for name in (
            "ags",
            "state",
            "district",
            "administrative_region",
            "population",
            "population_date",
            "population_source",
            "area_km2",
            "website",
            "latitude",
            "longitude",
        )
    }
    refused = limited.post_form(
        f"/admin/organisationen/{draft_only.slug}",
        {**data, "name": "Stadt Umbenannt", "kind": "municipality"},
        action=f"/admin/organisationen/{shown.slug}",
    )
    assert refused.status_code == 403 and "veröffentlichen darf" in refused.text
    refused = limited.post_form(
        f"/admin/organisationen/{draft_only.slug}",
        {"target": shown.name},
        action=f"/admin/organisationen/{draft_only.slug}/zusammenfuehren",
    )
    assert refused.status_code == 403
    standesamt = db.session.scalar(select(Keyword).where(Keyword.name == "Standesamt"))
    refused = limited.post_form(
        "/admin/stichworte/bauhof", {"name": "Amt"}, action=f"/admin/stichworte/{standesamt.slug}"
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert _org("Stadt Musterstadt") is not None and standesamt.name == "Standesamt"
    # On drafts only: direct.
    allowed = limited.post_form(
        f"/admin/organisationen/{draft_only.slug}",
        {**data, "name": "Gemeinde Entwurfsdorf", "kind": "municipality", "population": "1200"},
    )
    assert allowed.status_code == 303
    assert limited.post_form("/admin/stichworte/bauhof", {"name": "Bauhöfe"}).status_code == 303
    # Whoever may publish changes the shown ones.
    assert editor.post_form("/admin/stichworte/" + standesamt.slug, {"name": "Standesämter"}).status_code == 303


def test_rename_and_merge_keywords(editor, make_project, client):
    project = make_project(keywords=["Standesamt", "Verwaltung"])
    make_project(title="Zweites Profil", keywords=["verwaltung digital", "Standesamt"])
    keyword = db.session.scalar(select(Keyword).where(Keyword.name == "Verwaltung"))
    seq = db.session.scalar(select(func.max(Change.seq)))
    assert editor.post_form(f"/admin/stichworte/{keyword.slug}", {"name": ""}).status_code == 422
    response = editor.post_form(f"/admin/stichworte/{keyword.slug}", {"name": "Verwaltungskooperation"})
    assert response.status_code == 303
    db.session.expire_all()
    assert keyword.name == "Verwaltungskooperation" and keyword.slug == "verwaltungskooperation"
    assert db.session.scalar(select(func.max(Change.seq))) > seq
    assert "Verwaltungskooperation" in client.get(f"/projekte/{project.slug}").text
    other = db.session.scalar(select(Keyword).where(Keyword.name == "verwaltung digital"))
    response = editor.post_form(
        f"/admin/stichworte/{other.slug}",
        {"target": "verwaltungskooperation"},
        action=f"/admin/stichworte/{other.slug}/zusammenfuehren",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Keyword).where(Keyword.name == "verwaltung digital")) is None
    assert len(keyword.projects) == 2
    # Renaming to an existing name merges the two.
    standesamt = db.session.scalar(select(Keyword).where(Keyword.name == "Standesamt"))
    editor.post_form(f"/admin/stichworte/{standesamt.slug}", {"name": "verwaltungskooperation"})
    assert db.session.scalar(select(func.count(Keyword.id))) == 1


def test_admins_manage_users_and_audit_is_kept(app, admin, users):
    response = admin.post_form("/admin/benutzer", {"username": "neu", "password": "kurz", "role": "editor"})
    assert response.status_code == 422 and "mindestens 12 Zeichen" in response.text and 'value="neu"' in response.text
    response = admin.post_form(
        "/admin/benutzer", {"username": "neu", "display_name": "Neue Kollegin", "password": PASSWORD, "role": "editor"}
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "neu"))
    assert user.can_publish is False  # an unchecked box means "review only"
    assert (
        user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$") and PASSWORD not in user.password_hash
    )
    assert login(app.test_client(), "neu").status_code == 302
    url = f"/admin/benutzer/{user.id}"
    assert (
        admin.post_form(
            url, {"display_name": "Neue Kollegin", "role": "editor", "can_publish": "y", "active": ""}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert user.can_publish is True and user.active is False
    assert login(app.test_client(), "neu").status_code == 401
    assert admin.post_form(url, {"password": "zu kurz"}, action=f"{url}/passwort").status_code == 422
    assert admin.post_form(url, {"password": "ein neues langes Passwort"}, action=f"{url}/passwort").status_code == 303
    assert admin.post_form(url, {"display_name": "Neue Kollegin", "role": "editor", "active": "y"}).status_code == 303
    assert login(app.test_client(), "neu").status_code == 401  # the old password no longer works
    assert login(app.test_client(), "neu", "ein neues langes Passwort").status_code == 302
    # The last active administrator cannot demote themselves.
    me = users["admin"]
    response = admin.post_form(f"/admin/benutzer/{me.id}", {"role": "editor", "active": "y", "can_publish": "y"})
    assert response.status_code == 422 and "mindestens eine aktive" in response.text
    log = admin.get("/admin/protokoll").text
    for action in ("user_create", "user_update", "password_set", "login"):
        assert action in log
    assert "login" in admin.get("/admin/protokoll?aktion=login").text


def test_admins_create_and_revoke_api_tokens(admin, users):
    response = admin.post_form("/admin/tokens", {"user": str(users["editor"].id), "name": ""})
    assert response.status_code == 422 and "wofür" in response.text
    response = admin.post_form("/admin/tokens", {"user": str(users["editor"].id), "name": "Landesportal"})
    assert response.status_code == 200
    plaintext = response.text.split('<code id="neues-token">')[1].split("</code>")[0]
    assert plaintext.startswith("ikz_") and user_for_token(plaintext)[0].username == "editor"
    assert plaintext not in admin.get("/admin/tokens").text  # shown once only
    from catalogue.models import ApiToken

    token = db.session.scalar(select(ApiToken))
    assert admin.post_form("/admin/tokens", {}, action=f"/admin/tokens/{token.id}/widerrufen").status_code == 303
    db.session.expire_all()
    assert user_for_token(plaintext) is None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "token_create" in actions and "token_revoke" in actions


def _in_search(client, slug: str, **args) -> bool:
    """Whether the public search page /suche lists the profile."""
    page = client.get("/suche", query_string=args)
    assert page.status_code == 200, page.text
    return f'href="/projekte/{slug}"' in page.text


def _from_api(client, slug: str) -> dict | None:
    """The profile as the public API gives it, or None when it is not public (404, or 410 for
    one that was public and is archived now)."""
    response = client.get(f"/api/v1/projects/{slug}")
    assert response.status_code in (200, 404, 410), response.status_code
    return response.get_json() if response.status_code == 200 else None


def _names(document: dict) -> list[str]:
    return [p["organisation"]["name"] for p in document["participants"]]


def _latest_change(client, project_id: int) -> dict:
    items = client.get("/api/v1/changes?since=0&limit=1000").get_json()["items"]
    return [item for item in items if item["id"] == project_id][-1]


def test_search_and_api_reflect_each_change(editor, client, make_project):
    """Every editor flow is visible at once in /suche and /api/v1 (the change log drives both)."""
    assert create(editor, status="draft").status_code == 303
    project = db.session.scalar(select(Project).where(Project.title == "Gemeinsamer Bauhof Nordtal"))
    slug, url = project.slug, f"/admin/projekte/{project.id}"
    assert not _in_search(client, slug, q="Bauhof Nordtal") and _from_api(client, slug) is None

    def status(value):
        db.session.expire_all()
        return editor.post_form(
            url, {"status": value, "version": str(db.session.get(Project, project.id).version)}, action=f"{url}/status"
        )

    # publish
    assert status("published").status_code == 303
    assert _in_search(client, slug, q="Bauhof Nordtal")
    assert _from_api(client, slug)["title"] == "Gemeinsamer Bauhof Nordtal"
    # edit a text
    _, data = edit_form_data(editor, project.id)
    assert (
        editor.post_form(url, {**data, "summary": "Ein gemeinsames Salzlager für den Winterdienst."}).status_code == 303
    )
    assert _in_search(client, slug, q="Salzlager") and "Salzlager" in _from_api(client, slug)["summary"]
    # rename a keyword
    keyword = db.session.scalar(select(Keyword).where(Keyword.name == "Maschinenring"))
    assert editor.post_form(f"/admin/stichworte/{keyword.slug}", {"name": "Maschinengemeinschaft"}).status_code == 303
    assert "Maschinengemeinschaft" in _from_api(client, slug)["keywords"]
    assert _in_search(client, slug, stichwort="Maschinengemeinschaft") and not _in_search(
        client, slug, stichwort="Maschinenring"
    )
    # edit an organisation
    nordtal = _org("Stadt Nordtal")
    response = editor.post_form(
        f"/admin/organisationen/{nordtal.slug}",
        {
            "name": "Stadt Nordtal an der Ruhr",
            "kind": "municipality",
            "ags": "05999101",
            "state": "DE-NW",
            "district": "Kreis Nord",
        },
    )
    assert response.status_code == 303
    assert "Stadt Nordtal an der Ruhr" in _names(_from_api(client, slug)) and _in_search(client, slug, q="Ruhr")
    # merge a duplicate organisation into another
    make_project(
        title="Gemeinsame Schule Hochheide",
        participants=[
            {"role": "lead", "organisation": {"name": "Samtgemeinde Hochheide", "kind": "municipality"}},
        ],
    )
    assert not _in_search(client, slug, q="Hochheide")
    westfeld = _org("Gemeinde Westfeld")
    response = editor.post_form(
        f"/admin/organisationen/{westfeld.slug}",
        {"target": "Samtgemeinde Hochheide"},
        action=f"/admin/organisationen/{westfeld.slug}/zusammenfuehren",
    )
    assert response.status_code == 303
    assert _names(_from_api(client, slug))[-1] == "Samtgemeinde Hochheide" and _in_search(client, slug, q="Hochheide")
    # restore the first revision: the old text comes back, the merged duplicate and the old keyword do not
    organisations = db.session.scalar(select(func.count(Organisation.id)))
    first = db.session.scalar(select(Revision).where(Revision.project_id == project.id, Revision.version == 1))
    db.session.expire_all()
    response = editor.post_form(
        f"{url}/verlauf",
        {"version": str(db.session.get(Project, project.id).version)},
        action=f"{url}/verlauf/{first.id}/wiederherstellen",
    )
    assert response.status_code == 303
    document = _from_api(client, slug)
    assert document["summary"] == "Drei Gemeinden teilen sich Bauhof und Maschinen." and not _in_search(
        client, slug, q="Salzlager"
    )
    assert _names(document) == ["Stadt Nordtal an der Ruhr", "Gemeinde Südhang", "Samtgemeinde Hochheide"]
    assert "Maschinengemeinschaft" in document["keywords"] and "Maschinenring" not in document["keywords"]
    assert db.session.scalar(select(func.count(Organisation.id))) == organisations
    # archive ("delete"): gone from search and API, a tombstone in the change feed
    assert status("archived").status_code == 303
    assert not _in_search(client, slug, q="Bauhof Nordtal") and _from_api(client, slug) is None
    tombstone = _latest_change(client, project.id)
    assert tombstone["action"] == "delete" and tombstone["deleted"] is True and tombstone["project"] is None
    # and back
    assert status("published").status_code == 303
    assert _in_search(client, slug, q="Bauhof Nordtal") and _latest_change(client, project.id)["deleted"] is False
