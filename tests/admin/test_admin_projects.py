"""The profile editor: create, edit, validation, rows, conflicts, preview, workflow, history."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import AuditEvent, Change, Keyword, Organisation, Project, Revision

from .conftest import create, csrf_token, edit_form_data, profile_form


def test_create_a_profile_with_every_field(editor):
    response = create(editor)
    assert response.status_code == 303
    project = db.session.scalar(select(Project))
    assert response.headers["Location"] == f"/admin/projekte/{project.id}"
    assert project.slug == "gemeinsamer-bauhof-nordtal" and project.status == "draft"
    assert [p.organisation.name for p in project.participations] == [
        "Stadt Nordtal",
        "Gemeinde Südhang",
        "Gemeinde Westfeld",
    ]
    assert project.lead.name == "Stadt Nordtal" and project.lead.ags == "05999101"
    assert sorted(k.name for k in project.keywords) == ["Bauhof", "Klima", "Maschinenring"]
    assert project.goal == "- weniger Kosten\n- bessere Auslastung"
    assert project.legal_form.name == "öffentlich-rechtliche Vereinbarung" and project.since_year == 2019
    assert (
        project.contacts[0].address == "Markt 1\n59000 Nordtal"
        and project.contacts[0].email == "bauhof@nordtal.example"
    )
    assert project.links[0].url == "https://nordtal.example/bauhof"
    assert project.updates[0].date_precision == "month" and project.updates[0].source_note == "Amtsblatt"
    revision = db.session.scalar(select(Revision))
    assert revision.actor == "user:editor" and revision.version == 1
    assert db.session.scalar(select(Change.action)) == "create"
    page = editor.get(response.headers["Location"])
    assert "Profil angelegt." in page.text and 'value="Gemeinde Westfeld"' in page.text


def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_lost(editor):
    response = create(
        editor,
        title="ab",
        since_year="1800",
        **{
            "participants-1-ags": "123",
            "contacts-0-email": "keine-adresse",
            "links-0-url": "ftp://x",
            "updates-0-date": "Herbst 2023",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert db.session.scalar(select(func.count(Project.id))) == 0
    assert 'id="fehler"' in html and "Bitte korrigieren Sie 6 Angabe(n)" in html
    for field_id, message in [
        ("title", "Mindestens 3 Zeichen"),
        ("since_year", "Jahr zwischen 1900"),
        ("participants-1-ags", "genau 8 Ziffern"),
        ("contacts-0-email", "E-Mail-Adresse"),
        ("links-0-url", "http://"),
        ("updates-0-date", "JJJJ-MM"),
    ]:
        assert f'href="#{field_id}"' in html, field_id
        error = re.search(rf'<p class="field__error" id="{field_id}-error">([^<]*)</p>', html)
        assert error and message in error.group(1), field_id
        tag = re.search(rf'<(?:input|textarea|select)[^>]*id="{field_id}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag and f"{field_id}-error" in tag, field_id
    # Everything the editor typed is still in the form.
    assert 'value="Herbst 2023"' in html and 'value="keine-adresse"' in html
    assert "Teure Maschinen standen oft still." in html and 'value="Gemeinde Westfeld"' in html


def test_two_leads_and_duplicate_partners_are_named(editor):
    response = create(editor, **{"participants-1-role": "lead"})
    assert response.status_code == 422 and "Höchstens eine Organisation ist hauptverantwortlich" in response.text
    response = create(editor, **{"participants-2-name": "Gemeinde Südhang"})
    assert response.status_code == 422 and "doppelt beteiligt" in response.text
    assert 'href="#participants-list"' in response.text


def test_rows_are_added_without_javascript_and_nothing_is_saved(editor):
    response = editor.post_form("/admin/projekte/neu", profile_form(add_row="participants"))
    assert response.status_code == 200
    assert 'id="participants-3-name"' in response.text and 'value="Gemeinde Westfeld"' in response.text
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_edit_reorder_remove_and_unchanged_saves(editor):
    create(editor)
    project = db.session.scalar(select(Project))
    _, data = edit_form_data(editor, project.id)
    assert data["version"] == "1" and data["participants-2-name"] == "Gemeinde Westfeld"
    # Unchanged save: no revision.
    response = editor.post_form(f"/admin/projekte/{project.id}", data)
    assert response.status_code == 303
    assert "Keine Änderungen" in editor.get(response.headers["Location"]).text
    assert db.session.scalar(select(func.count(Revision.id))) == 1
    # Westfeld becomes first, Südhang is removed, a keyword is added.
    changed = {
        **data,
        "participants-2-order": "0",
        "participants-1-remove": "y",
        "keywords": data["keywords"] + ", Winterdienst",
    }
    assert editor.post_form(f"/admin/projekte/{project.id}", changed).status_code == 303
    db.session.expire_all()
    assert [p.organisation.name for p in project.participations] == ["Gemeinde Westfeld", "Stadt Nordtal"]
    assert "Winterdienst" in [k.name for k in project.keywords]
    revision = db.session.scalars(select(Revision).order_by(Revision.version.desc())).first()
    assert revision.version == 2 and set(revision.changed_fields) == {"participants", "keywords"}


def test_a_stale_save_gets_the_conflict_page_with_both_versions(app, editor, admin):
    create(editor)
    project = db.session.scalar(select(Project))
    _, mine = edit_form_data(editor, project.id)
    _, theirs = edit_form_data(admin, project.id)
    assert (
        admin.post_form(
            f"/admin/projekte/{project.id}", {**theirs, "title": "Bauhof Nordtal (Fassung Admin)"}
        ).status_code
        == 303
    )
    response = editor.post_form(f"/admin/projekte/{project.id}", {**mine, "summary": "Meine neue Kurzbeschreibung."})
    assert response.status_code == 409
    html = response.text
    assert "inzwischen geändert" in html and "user:admin" in html
    assert '<del><span class="visually-hidden">entfernt: </span>Bauhof Nordtal (Fassung Admin)</del>' in html
    assert "Meine neue Kurzbeschreibung." in html  # the editor's input is kept
    db.session.expire_all()
    assert project.title == "Bauhof Nordtal (Fassung Admin)" and project.version == 2
    # Saving from the conflict page deliberately replaces version 2.
    assert (
        re.search(r'name="version" type="hidden" value="2"|name="version" value="2"|value="2" name="version"', html)
        or 'id="version" name="version" type="hidden" value="2"' in html
    )
    conflict_data = {**mine, "summary": "Meine neue Kurzbeschreibung.", "version": "2", "csrf_token": csrf_token(html)}
    assert editor.client.post(f"/admin/projekte/{project.id}", data=conflict_data).status_code == 303
    db.session.expire_all()
    assert project.version == 3 and project.summary == "Meine neue Kurzbeschreibung."


def test_preview_shows_the_draft_that_the_public_cannot_see(editor, client):
    create(editor)
    project = db.session.scalar(select(Project))
    preview = editor.get(f"/admin/projekte/{project.id}/vorschau")
    assert preview.status_code == 200
    assert (
        "Vorschau" in preview.text
        and "Gemeinsamer Bauhof Nordtal" in preview.text
        and "Gemeinde Südhang" in preview.text
    )
    assert client.get(f"/projekte/{project.slug}").status_code == 404


def _status(user, project, status):
    return user.post_form(
        f"/admin/projekte/{project.id}",
        {"status": status, "version": str(project.version)},
        action=f"/admin/projekte/{project.id}/status",
    )


def test_publish_archive_and_bring_back(editor, client):
    create(editor)
    project = db.session.scalar(select(Project))
    assert _status(editor, project, "published").status_code == 303
    db.session.expire_all()
    assert project.status == "published" and client.get(f"/projekte/{project.slug}").status_code == 200
    assert _status(editor, project, "archived").status_code == 303
    db.session.expire_all()
    # Archived after being public: gone (410), not unknown
    assert project.status == "archived" and client.get(f"/projekte/{project.slug}").status_code == 410
    assert _status(editor, project, "draft").status_code == 303
    actions = db.session.scalars(select(Change.action).order_by(Change.seq)).all()
    assert actions == ["create", "publish", "delete", "update"]
    audit = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target == f"project:{project.slug}").order_by(AuditEvent.id)
    ).all()
    assert audit == ["publish", "delete", "restore"]
    # A stale status button is refused, not applied.
    db.session.expire_all()
    stale = editor.post_form(
        f"/admin/projekte/{project.id}",
        {"status": "published", "version": "1"},
        action=f"/admin/projekte/{project.id}/status",
    )
    assert stale.status_code == 409


def test_limited_editors_submit_for_review_and_an_admin_publishes(limited, admin):
    create(limited)
    project = db.session.scalar(select(Project))
    assert _status(limited, project, "published").status_code == 403
    _, data = edit_form_data(limited, project.id)
    refused = limited.post_form(f"/admin/projekte/{project.id}", {**data, "status": "published"})
    assert refused.status_code == 403 and "zur Prüfung einreichen" in refused.text
    assert 'id="status-error"' in refused.text
    assert (
        limited.post_form(
            f"/admin/projekte/{project.id}", {}, action=f"/admin/projekte/{project.id}/pruefung"
        ).status_code
        == 303
    )
    dashboard = admin.get("/admin/").text
    assert "Gemeinsamer Bauhof Nordtal" in dashboard.split("Zur Prüfung eingereicht")[1].split("Zuletzt geändert")[0]
    db.session.expire_all()
    assert _status(admin, project, "published").status_code == 303
    db.session.expire_all()
    assert project.status == "published" and project.review_requested_at is None


def test_history_shows_field_diffs_and_restores_as_a_new_revision(editor):
    create(editor)
    project = db.session.scalar(select(Project))
    _, data = edit_form_data(editor, project.id)
    editor.post_form(
        f"/admin/projekte/{project.id}", {**data, "title": "Bauhof Nordtal neu", "participants-2-remove": "y"}
    )
    history = editor.get(f"/admin/projekte/{project.id}/verlauf").text
    assert "Version 2" in history and "user:editor" in history
    assert "Bauhof Nordtal neu</ins>" in history and "Gemeinsamer Bauhof Nordtal</del>" in history
    assert "Gemeinde Westfeld" in history.split("Version 1")[0]  # the removed partner shows in version 2's diff
    first = db.session.scalar(select(Revision).where(Revision.version == 1))
    response = editor.post_form(
        f"/admin/projekte/{project.id}/verlauf",
        {"version": "2"},
        action=f"/admin/projekte/{project.id}/verlauf/{first.id}/wiederherstellen",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert project.version == 3 and project.title == "Gemeinsamer Bauhof Nordtal"
    assert [p.organisation.name for p in project.participations][-1] == "Gemeinde Westfeld"
    latest = db.session.scalar(select(Revision).where(Revision.version == 3))
    assert latest.actor == "user:editor" and "title" in latest.changed_fields
    assert db.session.scalar(select(func.count(Revision.id))) == 3


def test_archived_profiles_keep_their_history_and_can_be_restored(editor, client):
    create(editor, status="published")
    project = db.session.scalar(select(Project))
    assert _status(editor, project, "archived").status_code == 303
    history = editor.get(f"/admin/projekte/{project.id}/verlauf")
    assert history.status_code == 200 and "Version 2" in history.text and "Version 1" in history.text
    assert '<ins><span class="visually-hidden">neu: </span>Archiviert</ins>' in history.text
    db.session.expire_all()
    assert _status(editor, project, "published").status_code == 303
    assert client.get(f"/projekte/{project.slug}").status_code == 200


def test_partners_pick_existing_organisations_and_create_new_ones(editor, make_project):
    existing = make_project().lead  # Stadt Musterstadt, AGS 05999001
    suggestions = editor.get("/admin/organisationen/vorschlaege?q=muster").get_json()
    assert suggestions == [
        {
            "name": "Stadt Musterstadt",
            "kind": "municipality",
            "ags": "05999001",
            "state": "DE-NW",
            "district": "Kreis Muster",
        }
    ]
    assert editor.get("/admin/organisationen/vorschlaege?q=m").get_json() == []
    organisations = db.session.scalar(select(func.count(Organisation.id)))
    response = create(
        editor,
        **{
            "participants-0-name": "Stadt Musterstadt",
            "participants-0-ags": "05999001",
            "participants-0-district": "Kreis Muster",
        },
    )
    assert response.status_code == 303
    project = db.session.scalar(select(Project).where(Project.title == "Gemeinsamer Bauhof Nordtal"))
    assert project.lead.id == existing.id  # the picked organisation itself, not a copy
    # Südhang and Westfeld were new: created with the facts typed in the row.
    assert db.session.scalar(select(func.count(Organisation.id))) == organisations + 2
    assert [(p.role, p.organisation.name) for p in project.participations][1:] == [
        ("partner", "Gemeinde Südhang"),
        ("partner", "Gemeinde Westfeld"),
    ]


def test_keywords_are_picked_from_the_existing_ones_or_created(editor, make_project):
    make_project()  # keywords Standesamt and Verwaltung
    page = editor.get("/admin/projekte/neu").text
    assert '<option value="Standesamt"></option>' in page and 'list="keyword-suggestions"' in page
    # Without JavaScript, "Hinzufügen" moves the pick into the field; nothing is saved.
    response = editor.post_form("/admin/projekte/neu", profile_form(keyword_pick="Standesamt", add_keyword="1"))
    assert response.status_code == 200 and db.session.scalar(select(func.count(Project.id))) == 1
    assert 'value="Bauhof, Klima, Maschinenring, Standesamt"' in response.text
    assert 'value="Gemeinde Westfeld"' in response.text  # the rest of the form is kept
    # A pick left in the picker when saving is kept too.
    standesamt = db.session.scalar(select(Keyword).where(Keyword.name == "Standesamt"))
    assert create(editor, keyword_pick="Standesamt").status_code == 303
    project = db.session.scalar(select(Project).where(Project.title == "Gemeinsamer Bauhof Nordtal"))
    assert standesamt.id in {k.id for k in project.keywords}
    assert sorted(k.name for k in project.keywords) == ["Bauhof", "Klima", "Maschinenring", "Standesamt"]
    assert db.session.scalar(select(func.count(Keyword.id))) == 5


def test_html_pasted_from_a_web_page_becomes_plain_paragraphs_and_lists(editor, client):
    pasted = (
        '<p class="intro">Die Gemeinden <b>teilen</b> sich Maschinen &amp; Personal.</p>'
        '<ul><li>weniger Kosten</li><li onclick="alert(1)">bessere <a href="javascript:x">Auslastung</a></li></ul>'
        '<script>alert("x")</script><ol><li>planen</li><li>beschaffen</li></ol>'
    )
    assert (
        create(editor, goal=pasted, occasion="Kosten < Nutzen, sagt der Kämmerer.", status="published").status_code
        == 303
    )
    project = db.session.scalar(select(Project))
    assert project.goal == (
        "Die Gemeinden teilen sich Maschinen & Personal.\n\n- weniger Kosten\n- bessere Auslastung\n\n1. planen\n2. beschaffen"
    )
    assert project.occasion == "Kosten < Nutzen, sagt der Kämmerer."  # text without HTML stays as typed
    page = client.get(f"/projekte/{project.slug}").text
    assert "<li>bessere Auslastung</li>" in page and "alert" not in page and "Kosten &lt; Nutzen" in page
