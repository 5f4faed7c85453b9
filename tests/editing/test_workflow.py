"""One workflow for every writer: the admin and the API give the same result for the same
person and the same change, and an API publish closes the review request as the admin's does."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select, text

from catalogue.editing import projects_awaiting_review
from catalogue.extensions import db
from catalogue.models import AuditEvent, ChangeProposal, Project, Revision
from catalogue.services import snapshot
from catalogue.writes import WRITE_LOCK_KEY

from .conftest import form_data

API = "/api/v1"
_USER = re.compile(r"user:[\w.-]+")


def _who(actor: str) -> str:
    """The person behind an actor: "user:anna" in the admin, "token:ikz_… (user:anna)" in the API."""
    found = _USER.search(actor)
    return found.group(0) if found else actor


def state(project: Project) -> dict:
    """Everything a write leaves behind, without what differs between two profiles by design
    (title, address, ids): content, status, version, revisions, audit entries, review request, proposals."""
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    content = {k: v for k, v in snapshot(project).items() if k not in ("title", "slug")}
    revisions = db.session.scalars(select(Revision).where(Revision.project_id == project.id).order_by(Revision.version))
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"project:{project.slug}").order_by(AuditEvent.id)
    )
    proposals = db.session.scalars(
        select(ChangeProposal).where(ChangeProposal.project_id == project.id).order_by(ChangeProposal.id)
    )
    return {
        "content": content,
        "status": project.status,
        "version": project.version,
        "review_requested": project.review_requested_at is not None,
        "awaiting_review": project in projects_awaiting_review(),
        "revisions": [(r.version, sorted(r.changed_fields), _who(r.actor)) for r in revisions],
        "audit": [
            (e.action, _who(e.actor), {k: v for k, v in (e.detail or {}).items() if k != "proposal"}) for e in audit
        ],
        "proposals": [
            (
                p.status,
                p.base_version,
                _who(p.created_by),
                _who(p.decided_by or ""),
                p.applied_version,
                {k: v for k, v in p.data.items() if k not in ("title", "slug")},
            )
            for p in proposals
        ],
    }


def pair(make_project, status: str = "published"):
    """Two profiles alike but for title and address: one to change through the admin, one through the API."""
    return (
        make_project(status=status, title="Gemeinsames Standesamt Nordtal"),
        make_project(status=status, title="Gemeinsames Standesamt Südtal"),
    )


def etag(client, person, project: Project) -> str:
    answer = client.get(f"{API}/projects/{project.slug}", headers=person.token)
    assert answer.status_code == 200, answer.text
    return answer.headers["ETag"]


def admin_save(person, project: Project, **changes):
    """The profile form sent back with ``changes``, as the editor's browser does."""
    page = f"/admin/projekte/{project.id}"
    return person.post_form(page, form_data({**snapshot(project), **changes}, project.version))


def api_patch(client, person, project: Project, **changes):
    return client.patch(
        f"{API}/projects/{project.slug}",
        json=changes,
        headers={**person.token, "If-Match": etag(client, person, project)},
    )


def admin_status(person, project: Project, status: str):
    return person.post_form(
        f"/admin/projekte/{project.id}",
        {"status": status, "version": str(project.version)},
        action=f"/admin/projekte/{project.id}/status",
    )


def request_review(person, project: Project) -> None:
    answer = person.post_form(f"/admin/projekte/{project.id}", {}, action=f"/admin/projekte/{project.id}/pruefung")
    assert answer.status_code == 303


# ---------------------------------------------------------------- the bug this module fixes


def test_an_api_publish_clears_the_review_request(client, make_project, limited, publisher):
    project = make_project(status="draft")
    request_review(limited, project)
    assert projects_awaiting_review() == [project]

    published = client.post(
        f"{API}/projects/{project.slug}/publish",
        headers={**publisher.token, "If-Match": etag(client, publisher, project)},
    )

    assert published.status_code == 200, published.text
    after = state(project)
    assert after["status"] == "published"
    assert not after["review_requested"] and projects_awaiting_review() == []
    assert [action for action, _, _ in after["audit"]] == ["review_request", "publish"]


# ---------------------------------------------------------------- the same result on both paths


def test_a_publishers_save_is_the_same_through_admin_and_api(client, make_project, publisher):
    through_admin, through_api = pair(make_project)

    assert admin_save(publisher, through_admin, summary="Zwei Gemeinden, ein Standesamt, ein Team.").status_code == 303
    assert (
        api_patch(client, publisher, through_api, summary="Zwei Gemeinden, ein Standesamt, ein Team.").status_code
        == 200
    )

    assert state(through_admin) == state(through_api)
    assert state(through_api)["revisions"][-1] == (2, ["summary"], "user:redakteurin")
    assert state(through_api)["proposals"] == []


def test_a_stale_version_is_refused_alike(client, make_project, publisher):
    through_admin, through_api = pair(make_project)
    stale_admin = form_data({**snapshot(through_admin), "summary": "Zu spät."}, through_admin.version)
    stale_etag = etag(client, publisher, through_api)
    assert admin_save(publisher, through_admin, goal="Erst diese Änderung.").status_code == 303
    assert api_patch(client, publisher, through_api, goal="Erst diese Änderung.").status_code == 200

    refused_admin = publisher.post_form(f"/admin/projekte/{through_admin.id}", stale_admin)
    refused_api = client.patch(
        f"{API}/projects/{through_api.slug}",
        json={"summary": "Zu spät."},
        headers={**publisher.token, "If-Match": stale_etag},
    )

    assert (refused_admin.status_code, refused_api.status_code) == (409, 412)
    assert state(through_admin) == state(through_api)
    assert state(through_api)["version"] == 2


def test_publishing_is_the_same_through_admin_and_api(client, make_project, limited, publisher):
    through_admin, through_api = pair(make_project, status="draft")
    request_review(limited, through_admin)
    request_review(limited, through_api)

    assert admin_status(publisher, through_admin, "published").status_code == 303
    assert (
        client.post(
            f"{API}/projects/{through_api.slug}/publish",
            headers={**publisher.token, "If-Match": etag(client, publisher, through_api)},
        ).status_code
        == 200
    )

    assert state(through_admin) == state(through_api)
    after = state(through_api)
    assert after["status"] == "published" and not after["review_requested"] and not after["awaiting_review"]
    assert after["audit"] == [
        ("review_request", "user:praktikant", {}),
        ("publish", "user:redakteurin", {"status": "published"}),
    ]


def test_archiving_is_the_same_through_admin_and_api(client, make_project, publisher):
    through_admin, through_api = pair(make_project)

    assert admin_status(publisher, through_admin, "archived").status_code == 303
    assert (
        client.delete(
            f"{API}/projects/{through_api.slug}",
            headers={**publisher.token, "If-Match": etag(client, publisher, through_api)},
        ).status_code
        == 204
    )

    assert state(through_admin) == state(through_api)
    assert state(through_api)["status"] == "archived"
    assert state(through_api)["audit"] == [("delete", "user:redakteurin", {"status": "archived"})]


def test_a_review_only_editor_proposes_alike_and_may_not_publish(client, make_project, limited):
    through_admin, through_api = pair(make_project)

    proposed_admin = admin_save(limited, through_admin, summary="Ein Vorschlag für beide Wege.")
    proposed_api = api_patch(client, limited, through_api, summary="Ein Vorschlag für beide Wege.")

    assert proposed_admin.status_code == 303 and "/admin/vorschlaege/" in proposed_admin.headers["Location"]
    assert proposed_api.status_code == 202, proposed_api.text
    assert state(through_admin) == state(through_api)
    after = state(through_api)
    assert after["version"] == 1 and after["content"]["summary"] == "Zwei Gemeinden teilen sich ein Standesamt."
    assert [(status, base, author) for status, base, author, *_ in after["proposals"]] == [
        ("open", 1, "user:praktikant")
    ]
    assert after["proposals"][0][-1]["summary"] == "Ein Vorschlag für beide Wege."
    assert [action for action, _, _ in after["audit"]] == ["proposal_submit"]

    # Taking the profile offline needs the right to publish, on both paths.
    assert admin_status(limited, through_admin, "draft").status_code == 403
    assert (
        client.post(
            f"{API}/projects/{through_api.slug}/unpublish",
            headers={**limited.token, "If-Match": etag(client, limited, through_api)},
        ).status_code
        == 403
    )
    assert admin_save(limited, through_admin, status="draft").status_code == 403
    assert api_patch(client, limited, through_api, status="draft").status_code == 403
    assert state(through_admin) == state(through_api) and state(through_api)["status"] == "published"


def _decide(reviewer, proposal_id: int, decision: str, **fields):
    page = f"/admin/vorschlaege/{proposal_id}"
    return reviewer.post_form(page, fields, action=f"{page}/{decision}")


def _proposal_of(project: Project) -> ChangeProposal:
    return db.session.scalar(select(ChangeProposal).where(ChangeProposal.project_id == project.id))


def test_proposals_from_either_path_are_accepted_alike(client, make_project, limited, reviewer):
    through_admin, through_api = pair(make_project)
    admin_save(limited, through_admin, goal="Ein gemeinsamer Standesamtsbezirk.")
    api_patch(client, limited, through_api, goal="Ein gemeinsamer Standesamtsbezirk.")

    for project in (through_admin, through_api):
        answer = _decide(reviewer, _proposal_of(project).id, "annehmen", version="1", accept_note="Danke.")
        assert answer.status_code == 303, answer.text

    assert state(through_admin) == state(through_api)
    after = state(through_api)
    assert after["content"]["goal"] == "Ein gemeinsamer Standesamtsbezirk." and after["version"] == 2
    assert after["proposals"][0][:5] == ("accepted", 1, "user:praktikant", "user:chefin", 2)
    assert [action for action, _, _ in after["audit"]] == ["proposal_submit", "proposal_accept"]


def test_proposals_from_either_path_are_rejected_alike(client, make_project, limited, reviewer):
    through_admin, through_api = pair(make_project)
    admin_save(limited, through_admin, financing="Allein die Stadt.")
    api_patch(client, limited, through_api, financing="Allein die Stadt.")

    for project in (through_admin, through_api):
        # A review-only editor may not decide on any proposal, their own included.
        assert _decide(limited, _proposal_of(project).id, "ablehnen", reject_note="Selbst.").status_code == 403
        assert _decide(reviewer, _proposal_of(project).id, "ablehnen", reject_note="Nicht belegt.").status_code == 303

    assert state(through_admin) == state(through_api)
    after = state(through_api)
    assert after["version"] == 1 and after["content"]["financing"] == "Beide Partner."
    assert after["proposals"][0][:5] == ("rejected", 1, "user:praktikant", "user:chefin", None)
    assert [action for action, _, _ in after["audit"]] == ["proposal_submit", "proposal_reject"]


# ---------------------------------------------------------------- the writers' lock


def test_a_write_without_a_valid_token_does_not_queue_for_the_writers_lock(app, make_project):
    """While another writer holds the lock, writes without a token (or with a made-up one) are
    refused at once (401) instead of waiting behind it."""
    url = f"{API}/projects/{make_project().slug}/publish"
    answers: dict[str, int] = {}

    def send():
        with app.test_client() as anonymous:
            answers["no token"] = anonymous.post(url).status_code
            answers["made-up token"] = anonymous.post(
                url, headers={"Authorization": "Bearer ikz_ausgedacht"}
            ).status_code

    with db.engine.connect() as writer:
        transaction = writer.begin()
        if writer.dialect.name == "postgresql":
            writer.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        else:
            writer.execute(
                text("DELETE FROM changes WHERE 1 = 0")
            )  # SQLite's write lock, as writes.begin_write takes it
        thread = threading.Thread(target=send)
        thread.start()
        thread.join(timeout=60)  # a generous bound, not a timing: the answers must come while the lock is held
        answered_while_locked = not thread.is_alive()
        transaction.rollback()
    thread.join()

    assert answered_while_locked, "the request waited for the writers' lock"
    assert answers == {"no token": 401, "made-up token": 401}


def test_a_new_profile_at_a_taken_address_is_refused_alike(client, make_project, publisher):
    """The API always refused it (409); the admin used to hand out "<slug>-2" instead."""
    taken = make_project()
    profiles = db.session.scalar(select(func.count()).select_from(Project))
    wanted = {k: v for k, v in snapshot(taken).items() if k != "status"}

    refused_admin = publisher.post_form("/admin/projekte/neu", form_data({**wanted, "status": "draft"}))
    refused_api = client.post(f"{API}/projects", json=wanted, headers=publisher.token)

    assert (refused_admin.status_code, refused_api.status_code) == (422, 409)
    message = f"Die Adresse „{taken.slug}“ gehört schon zu einem Profil."
    assert message in refused_admin.text and refused_api.get_json()["detail"] == message
    assert db.session.scalar(select(func.count()).select_from(Project)) == profiles
