"""Change proposals: an editor who may not publish changes a published profile only through a
proposal, which a publisher accepts (through the normal services) or rejects; search and API
show the published version until then."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import AuditEvent, Change, ChangeProposal, Project, Revision

from .conftest import create, edit_form_data

NEW_SUMMARY = "Ein gemeinsames Salzlager für den Winterdienst."


def _published(editor) -> Project:
    """A profile created through the editor and published by an editor who may publish."""
    assert create(editor, status="published").status_code == 303
    return db.session.scalar(select(Project).where(Project.title == "Gemeinsamer Bauhof Nordtal"))


def _in_search(client, slug: str, q: str) -> bool:
    page = client.get("/suche", query_string={"q": q})
    assert page.status_code == 200
    return f'href="/projekte/{slug}"' in page.text


def _api_summary(client, slug: str) -> str:
    response = client.get(f"/api/v1/projects/{slug}")
    assert response.status_code == 200
    return response.get_json()["summary"]


def _propose(limited, project, **changes):
    _, data = edit_form_data(limited, project.id)
    return limited.post_form(f"/admin/projekte/{project.id}", {**data, **changes})


def _counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Revision.id))), db.session.scalar(select(func.max(Change.seq))))


def _accept(user, proposal_id: int, **data):
    url = f"/admin/vorschlaege/{proposal_id}"
    page = user.get(url).text
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    return user.post_form(url, {"version": version, **data}, action=f"{url}/annehmen")


def test_a_limited_editor_s_change_of_a_published_profile_waits_for_acceptance(editor, limited, admin, client):
    project = _published(editor)
    slug, old_summary = project.slug, project.summary
    before = _counts()
    page = limited.get(f"/admin/projekte/{project.id}").text
    assert "Als Vorschlag speichern" in page and "Ihre Änderungen werden als Vorschlag gespeichert" in page

    response = _propose(limited, project, summary=NEW_SUMMARY)
    proposal = db.session.scalar(select(ChangeProposal))
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/vorschlaege/{proposal.id}"
    assert "wartet auf Freigabe" in limited.get(response.headers["Location"]).text
    # Stored with who, when and the base version; nothing applied, nothing in the change log.
    assert proposal.status == "open" and proposal.created_by == "user:limited" and proposal.base_version == 1
    assert proposal.data["summary"] == NEW_SUMMARY and proposal.created_at is not None
    assert _counts() == before
    db.session.expire_all()
    assert project.summary == old_summary and project.version == 1
    # The public page, search and API keep the published version.
    assert NEW_SUMMARY not in client.get(f"/projekte/{slug}").text
    assert not _in_search(client, slug, "Salzlager") and _in_search(client, slug, "Bauhof Nordtal")
    assert _api_summary(client, slug) == old_summary
    assert "proposal_submit" in db.session.scalars(select(AuditEvent.action)).all()

    # The author goes on from the proposal, not from the published text.
    page = limited.get(f"/admin/projekte/{project.id}").text
    assert NEW_SUMMARY in page and "Ihren offenen Vorschlag" in page
    # Publishers find it on the start page, on the profile and in the list, with a field diff.
    start = admin.get("/admin/").text.split("Offene Änderungsvorschläge")[1].split("Zuletzt geändert")[0]
    assert "Gemeinsamer Bauhof Nordtal" in start and "user:limited" in start
    assert f"/admin/vorschlaege/{proposal.id}" in admin.get(f"/admin/projekte/{project.id}").text
    assert f"/admin/vorschlaege/{proposal.id}" in admin.get("/admin/vorschlaege").text
    review = admin.get(f"/admin/vorschlaege/{proposal.id}").text
    changes = review.split('id="aenderungen"')[1].split('id="entscheidung"')[0]
    assert f'<del><span class="visually-hidden">entfernt: </span>{old_summary}</del>' in changes
    assert f'<ins><span class="visually-hidden">neu: </span>{NEW_SUMMARY}</ins>' in changes
    assert "<dt>Kurzbeschreibung</dt>" in changes and changes.count("<dt>") == 1
    assert "seit dem Vorschlag geändert" not in review

    response = _accept(admin, proposal.id, accept_note="Danke!")
    assert response.status_code == 303
    assert "Vorschlag angenommen" in admin.get(response.headers["Location"]).text
    db.session.expire_all()
    assert project.summary == NEW_SUMMARY and project.version == 2 and project.status == "published"
    revision = db.session.scalar(select(Revision).where(Revision.version == 2))
    assert revision.actor == "user:limited (freigegeben von user:admin)" and revision.changed_fields == ["summary"]
    assert db.session.scalar(select(Change.action).order_by(Change.seq.desc()).limit(1)) == "update"
    assert proposal.status == "accepted" and proposal.decided_by == "user:admin" and proposal.applied_version == 2
    assert proposal.note == "Danke!"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal_accept"))
    assert event.actor == "user:admin" and event.detail["author"] == "user:limited"
    # Now it is public: page, search and API.
    assert NEW_SUMMARY in client.get(f"/projekte/{slug}").text
    assert _in_search(client, slug, "Salzlager") and _api_summary(client, slug) == NEW_SUMMARY
    # The author sees the outcome; the form shows the published text again.
    mine = limited.get("/admin/vorschlaege").text.split('id="meine"')[1]
    assert "angenommen" in mine and "Danke!" in mine
    assert "Ihren offenen Vorschlag" not in limited.get(f"/admin/projekte/{project.id}").text
    # Decided is decided: no buttons any more, and a replayed post is refused.
    url = f"/admin/vorschlaege/{proposal.id}"
    assert f"{url}/annehmen" not in admin.get(url).text
    assert admin.post_form(url, {"version": "2"}, action=f"{url}/annehmen").status_code == 409
    db.session.expire_all()
    assert project.version == 2


def test_a_rejected_proposal_needs_a_note_and_changes_nothing(editor, limited, admin, client):
    project = _published(editor)
    assert _propose(limited, project, summary=NEW_SUMMARY, title="Bauhof Nordtal (neu)").status_code == 303
    proposal = db.session.scalar(select(ChangeProposal))
    url = f"/admin/vorschlaege/{proposal.id}"
    before = _counts()
    refused = admin.post_form(url, {"reject_note": "  "}, action=f"{url}/ablehnen")
    assert refused.status_code == 422
    assert 'href="#reject_note"' in refused.text and 'id="reject_note-error"' in refused.text
    tag = re.search(r'<textarea[^>]*id="reject_note"[^>]*>', refused.text).group(0)
    assert 'aria-invalid="true"' in tag
    response = admin.post_form(url, {"reject_note": "Bitte mit Quelle belegen."}, action=f"{url}/ablehnen")
    assert response.status_code == 303
    db.session.expire_all()
    assert (
        proposal.status == "rejected"
        and proposal.note == "Bitte mit Quelle belegen."
        and proposal.applied_version is None
    )
    assert _counts() == before and project.version == 1 and project.title == "Gemeinsamer Bauhof Nordtal"
    assert not _in_search(client, project.slug, "Salzlager") and _api_summary(client, project.slug) != NEW_SUMMARY
    page = limited.get(url).text
    assert "Abgelehnt" in page and "Bitte mit Quelle belegen." in page and "user:admin" in page
    assert "Bitte mit Quelle belegen." in limited.get("/admin/").text
    assert "proposal_reject" in db.session.scalars(select(AuditEvent.action)).all()
    # Neither accepted afterwards nor rejected twice.
    assert admin.post_form(url, {"version": "1"}, action=f"{url}/annehmen").status_code == 409
    assert admin.post_form(url, {"reject_note": "Nochmal"}, action=f"{url}/ablehnen").status_code == 409


def test_a_proposal_on_an_outdated_version_shows_the_conflict_and_needs_consent(editor, limited, admin, client):
    project = _published(editor)
    assert _propose(limited, project, summary=NEW_SUMMARY).status_code == 303
    proposal = db.session.scalar(select(ChangeProposal))
    # Meanwhile a publisher changes the title directly.
    _, data = edit_form_data(editor, project.id)
    assert (
        editor.post_form(
            f"/admin/projekte/{project.id}", {**data, "title": "Bauhof Nordtal (Fassung Redaktion)"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert project.version == 2
    # The author, going on from the proposal (version 1), gets the conflict page, not a silent overwrite.
    again = _propose(limited, project, goal="Noch ein Ziel.")
    assert again.status_code == 409 and "als Vorschlag zu Version 2 speichern" in again.text
    assert "Bauhof Nordtal (Fassung Redaktion)</del>" in again.text
    assert db.session.scalar(select(func.count(ChangeProposal.id))) == 1
    review = admin.get(f"/admin/vorschlaege/{proposal.id}").text
    conflict = review.split('id="konflikt"')[1].split('id="aenderungen"')[0]
    assert "Version 1 → 2" in conflict
    assert '<ins><span class="visually-hidden">neu: </span>Bauhof Nordtal (Fassung Redaktion)</ins>' in conflict
    assert 'name="overwrite"' in review and "Trotzdem annehmen" in review
    # Accepting would turn the title back: that is said, not done silently.
    changes = review.split('id="aenderungen"')[1]
    assert '<del><span class="visually-hidden">entfernt: </span>Bauhof Nordtal (Fassung Redaktion)</del>' in changes
    before = _counts()
    refused = _accept(admin, proposal.id)
    assert (
        refused.status_code == 409
        and 'href="#overwrite"' in refused.text
        and "seit dem Vorschlag geändert" in refused.text
    )
    stale = admin.post_form(
        f"/admin/vorschlaege/{proposal.id}",
        {"version": "1", "overwrite": "y"},
        action=f"/admin/vorschlaege/{proposal.id}/annehmen",
    )
    assert stale.status_code == 409 and "während Sie den Vorschlag geprüft haben" in stale.text
    assert _counts() == before
    db.session.expire_all()
    assert proposal.status == "open" and project.title == "Bauhof Nordtal (Fassung Redaktion)"
    # With consent it is applied as a new revision on top of version 2.
    assert _accept(admin, proposal.id, overwrite="y").status_code == 303
    db.session.expire_all()
    assert project.version == 3 and project.summary == NEW_SUMMARY and project.title == "Gemeinsamer Bauhof Nordtal"
    assert proposal.status == "accepted" and proposal.applied_version == 3
    assert _in_search(client, project.slug, "Salzlager")


def test_drafts_stay_directly_editable_and_only_publishers_decide(limited, editor, admin, users):
    assert create(limited).status_code == 303  # a draft
    draft = db.session.scalar(select(Project))
    _, data = edit_form_data(limited, draft.id)
    assert limited.post_form(f"/admin/projekte/{draft.id}", {**data, "summary": NEW_SUMMARY}).status_code == 303
    db.session.expire_all()
    assert draft.summary == NEW_SUMMARY and draft.version == 2
    assert db.session.scalar(select(func.count(ChangeProposal.id))) == 0
    # Published: a proposal; the limited editor can neither accept nor reject it, others cannot withdraw it.
    assert (
        editor.post_form(
            f"/admin/projekte/{draft.id}",
            {"status": "published", "version": "2"},
            action=f"/admin/projekte/{draft.id}/status",
        ).status_code
        == 303
    )
    assert _propose(limited, draft, summary="Noch eine Kurzbeschreibung.").status_code == 303
    proposal = db.session.scalar(select(ChangeProposal))
    url = f"/admin/vorschlaege/{proposal.id}"
    page = limited.get(url).text
    assert f"{url}/annehmen" not in page and f"{url}/ablehnen" not in page and f"{url}/zurueckziehen" in page
    assert limited.post_form(url, {"version": "3"}, action=f"{url}/annehmen").status_code == 403
    assert limited.post_form(url, {"reject_note": "x"}, action=f"{url}/ablehnen").status_code == 403
    assert editor.post_form(url, {}, action=f"{url}/zurueckziehen").status_code == 403
    db.session.expire_all()
    assert proposal.status == "open"
    # An editor who may publish decides like an administrator.
    assert _accept(editor, proposal.id).status_code == 303
    db.session.expire_all()
    assert draft.summary == "Noch eine Kurzbeschreibung."


def test_saving_again_supersedes_the_open_proposal_and_the_author_can_withdraw(editor, limited):
    project = _published(editor)
    assert _propose(limited, project, summary=NEW_SUMMARY).status_code == 303
    # The form now carries the proposal (and its base version); a second save replaces it.
    response = _propose(limited, project, goal="Weniger Kosten.")
    assert response.status_code == 303
    first, second = db.session.scalars(select(ChangeProposal).order_by(ChangeProposal.id)).all()
    assert first.status == "superseded" and second.status == "open" and second.base_version == 1
    assert second.data["summary"] == NEW_SUMMARY and second.data["goal"] == "Weniger Kosten."
    mine = limited.get("/admin/vorschlaege").text.split('id="meine"')[1]
    assert mine.count("/admin/vorschlaege/") == 1
    # Saving what is already published proposes nothing.
    _, published = edit_form_data(editor, project.id)
    unchanged = limited.post_form(f"/admin/projekte/{project.id}", published)
    assert unchanged.status_code == 303 and "nichts gespeichert" in limited.get(unchanged.headers["Location"]).text
    assert db.session.scalar(select(func.count(ChangeProposal.id))) == 2
    url = f"/admin/vorschlaege/{second.id}"
    assert limited.post_form(url, {}, action=f"{url}/zurueckziehen").status_code == 303
    db.session.expire_all()
    assert second.status == "withdrawn" and project.version == 1


def test_invalid_proposals_are_refused_in_the_form_and_status_stays_the_publishers(editor, limited):
    project = _published(editor)
    response = _propose(limited, project, title="ab", **{"links-0-url": "ftp://x"})
    assert response.status_code == 422 and 'href="#title"' in response.text and 'value="ftp://x"' in response.text
    refused = _propose(limited, project, status="draft")
    assert refused.status_code == 403 and 'id="status-error"' in refused.text
    taken = create(editor, title="Anderes Profil", slug="anderes-profil")
    assert taken.status_code == 303
    clash = _propose(limited, project, slug="anderes-profil")
    assert clash.status_code == 422 and 'id="slug-error"' in clash.text
    assert db.session.scalar(select(func.count(ChangeProposal.id))) == 0


def test_a_limited_editor_s_restore_of_a_published_profile_is_a_proposal(editor, limited, admin, client):
    project = _published(editor)
    _, data = edit_form_data(editor, project.id)
    assert editor.post_form(f"/admin/projekte/{project.id}", {**data, "summary": NEW_SUMMARY}).status_code == 303
    first = db.session.scalar(select(Revision).where(Revision.version == 1))
    url = f"/admin/projekte/{project.id}"
    response = limited.post_form(
        f"{url}/verlauf", {"version": "2"}, action=f"{url}/verlauf/{first.id}/wiederherstellen"
    )
    proposal = db.session.scalar(select(ChangeProposal))
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/vorschlaege/{proposal.id}"
    db.session.expire_all()
    assert project.version == 2 and project.summary == NEW_SUMMARY and _in_search(client, project.slug, "Salzlager")
    assert proposal.base_version == 2 and proposal.data["summary"] == "Drei Gemeinden teilen sich Bauhof und Maschinen."
    assert _accept(admin, proposal.id).status_code == 303
    db.session.expire_all()
    assert project.version == 3 and project.summary == "Drei Gemeinden teilen sich Bauhof und Maschinen."
    assert not _in_search(client, project.slug, "Salzlager")
