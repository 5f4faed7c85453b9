"""Writing through the API: tokens, roles, If-Match, validation, soft delete, audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import AuditEvent, Change, Project, Revision

from .api_helpers import API, problem_of
from conftest import project_data


def test_create_read_update_publish_delete(client, editor):
    created = client.post(f"{API}/projects", json=project_data(), headers=editor)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["Location"].endswith("/api/v1/projects/gemeinsames-standesamt-musterstadt")
    body = created.get_json()
    assert body["status"] == "draft" and body["version"] == 1
    url = f"{API}/projects/{body['slug']}"
    problem_of(client.get(url), 404)  # drafts are not public
    etag = client.get(url, headers=editor).headers["ETag"]
    assert etag == created.headers["ETag"]

    patched = client.patch(url, json={"summary": "Neu."}, headers={**editor, "If-Match": etag})
    assert patched.status_code == 200 and patched.get_json()["summary"] == "Neu."
    etag = patched.headers["ETag"]
    published = client.post(f"{url}/publish", headers={**editor, "If-Match": etag})
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert client.get(url).status_code == 200
    deleted = client.delete(url, headers={**editor, "If-Match": published.headers["ETag"]})
    assert deleted.status_code == 204
    problem_of(client.get(url), 410)  # it was public: gone, not unknown
    project = db.session.scalar(select(Project))
    db.session.refresh(project)
    assert project.status == "archived"  # soft: archived, not gone
    actions = db.session.scalars(select(Change.action).order_by(Change.seq)).all()
    assert actions == ["create", "update", "publish", "delete"]
    actor = db.session.scalar(select(Revision.actor).order_by(Revision.id.desc()).limit(1))
    assert actor.startswith("token:ikz_") and actor.endswith("(user:editor)")
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target.startswith("project:"))).all()
    assert audited == ["publish", "delete"]


def test_put_replaces_and_needs_if_match(client, editor, make_project):
    project = make_project()
    url = f"{API}/projects/{project.slug}"
    current = client.get(url)
    document = current.get_json()
    problem_of(client.put(url, json={**document, "title": "Neuer Titel"}, headers=editor), 428)
    stale = current.headers["ETag"]
    ok = client.put(url, json={**document, "title": "Neuer Titel"}, headers={**editor, "If-Match": stale})
    assert ok.status_code == 200 and ok.get_json()["title"] == "Neuer Titel" and ok.get_json()["version"] == 2
    # The second writer read before the first one saved: 412, and nothing is overwritten.
    problem_of(
        client.put(url, json={**document, "title": "Überschrieben?"}, headers={**editor, "If-Match": stale}), 412
    )
    problem_of(client.patch(url, json={"title": "Überschrieben?"}, headers={**editor, "If-Match": stale}), 412)
    problem_of(client.put(url, json=document, headers={**editor, "If-Match": '"quatsch"'}), 412)
    problem_of(client.put(url, json=document, headers={**editor, "If-Match": "*"}), 412)  # must name a version
    assert client.get(url).get_json()["title"] == "Neuer Titel"


def test_validation_errors_are_422_with_field_messages(client, editor):
    bad = project_data(
        title="x", participants=[{"role": "lead", "organisation": {"name": "Stadt A", "ags": "123"}}], typo_field=1
    )
    body = problem_of(client.post(f"{API}/projects", json=bad, headers=editor), 422)
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert fields["title"] == "Mindestens 3 Zeichen nötig."
    assert fields["participants.0.organisation.ags"] == "Amtlicher Gemeindeschlüssel: genau 8 Ziffern."
    assert "typo_field" in fields
    problem_of(client.post(f"{API}/projects", data="{kaputt", content_type="application/json", headers=editor), 400)
    problem_of(client.post(f"{API}/projects", json=[1, 2], headers=editor), 422)


def test_slug_conflicts_are_409(client, editor, make_project):
    make_project()
    other = make_project(title="Zweites Profil")
    problem_of(client.post(f"{API}/projects", json=project_data(slug="zweites-profil"), headers=editor), 409)
    url = f"{API}/projects/{other.slug}"
    response = client.get(url)
    problem_of(
        client.put(
            url,
            json={**response.get_json(), "slug": "gemeinsames-standesamt-musterstadt"},
            headers={**editor, "If-Match": response.headers["ETag"]},
        ),
        409,
    )


@pytest.mark.parametrize("who,status", [(None, 401), ("bad", 401), ("revoked", 401), ("basic", 401)])
def test_writes_need_a_valid_token(client, revoked, who, status):
    headers = {
        None: {},
        "bad": {"Authorization": "Bearer ikz_falsch"},
        "revoked": revoked,
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[who]
    response = client.post(f"{API}/projects", json=project_data(), headers=headers)
    problem_of(response, status)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(Project)) is None


def test_an_editor_without_publishing_right_gets_403(client, make_token, make_project):
    """The admin's rule: without the right to publish, nothing goes online or offline."""
    limited = make_token("editor", can_publish=False)
    project = make_project(status="draft")
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url, headers=limited).headers["ETag"]
    problem_of(client.post(f"{url}/publish", headers={**limited, "If-Match": etag}), 403)
    problem_of(client.patch(url, json={"status": "published"}, headers={**limited, "If-Match": etag}), 403)
    problem_of(
        client.post(
            f"{API}/projects", json=project_data(title="Gleich öffentlich", status="published"), headers=limited
        ),
        403,
    )
    ok = client.patch(url, json={"summary": "Darf sie."}, headers={**limited, "If-Match": etag})
    assert ok.status_code == 200
    public = make_project(title="Schon öffentlich")
    public_url = f"{API}/projects/{public.slug}"
    public_etag = client.get(public_url).headers["ETag"]
    for attempt in (
        client.delete(public_url, headers={**limited, "If-Match": public_etag}),
        client.post(f"{public_url}/unpublish", headers={**limited, "If-Match": public_etag}),
        client.patch(public_url, json={"status": "draft"}, headers={**limited, "If-Match": public_etag}),
    ):
        problem_of(attempt, 403)
    assert client.get(public_url).status_code == 200  # still online
    # A draft that never was public may be archived, as in the admin.
    assert client.delete(url, headers={**limited, "If-Match": ok.headers["ETag"]}).status_code == 204


def test_a_review_only_token_proposes_changes_to_a_published_profile(client, make_token, make_project, admin):
    """As in the admin: the change waits for review (202) and the public, the search and
    /changes keep the published version until a publisher accepts it."""
    from catalogue.editing import accept_proposal
    from catalogue.models import ChangeProposal, User

    limited = make_token("editor", can_publish=False)
    project = make_project(title="Gemeinsamer Bauhof Vorschlagstal")
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url).headers["ETag"]
    changes_before = client.get(f"{API}/changes?since=0").get_json()["latest"]

    proposed = client.patch(
        url, json={"summary": "Zwei Bauhöfe teilen Geräte mit Quaxelbronn."}, headers={**limited, "If-Match": etag}
    )
    assert proposed.status_code == 202, proposed.get_data(as_text=True)
    body = proposed.get_json()
    assert body["status"] == "open" and body["project"] == project.slug and body["base_version"] == 1
    assert proposed.headers["Location"] == body["review_url"] and "/admin/vorschlaege/" in body["review_url"]
    assert client.get(url).get_json()["summary"] == "Zwei Gemeinden teilen sich ein Standesamt."  # unchanged
    assert client.get(url).headers["ETag"] == etag
    assert client.get(f"{API}/changes?since=0").get_json()["latest"] == changes_before
    assert client.get(f"{API}/projects?q=Quaxelbronn").get_json()["total"] == 0
    # Unchanged input proposes nothing; a stale ETag is still refused.
    same = client.patch(url, json={"title": project.title}, headers={**limited, "If-Match": etag})
    assert same.status_code == 200
    problem_of(client.patch(url, json={"summary": "x"}, headers={**limited, "If-Match": '"veraltet"'}), 412)

    proposal = db.session.get(ChangeProposal, body["id"])
    reviewer = db.session.scalar(select(User).where(User.role == "admin"))
    accept_proposal(proposal, reviewer, expected_version=1)
    db.session.commit()
    assert client.get(url).get_json()["summary"] == "Zwei Bauhöfe teilen Geräte mit Quaxelbronn."
    assert client.get(f"{API}/projects?q=Quaxelbronn").get_json()["total"] == 1


def test_status_changes_in_a_body_are_audited(client, admin, make_project):
    project = make_project(status="draft")
    url = f"{API}/projects/{project.slug}"
    published = client.patch(
        url, json={"status": "published"}, headers={**admin, "If-Match": client.get(url, headers=admin).headers["ETag"]}
    )
    assert published.status_code == 200 and client.get(url).status_code == 200
    document = published.get_json()
    archived = client.put(
        url, json={**document, "status": "archived"}, headers={**admin, "If-Match": published.headers["ETag"]}
    )
    assert archived.status_code == 200
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target == f"project:{project.slug}").order_by(AuditEvent.id)
    ).all()
    assert events == ["publish", "delete"]


def test_unpublish_makes_a_draft(client, admin, make_project):
    project = make_project()
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url).headers["ETag"]
    response = client.post(f"{url}/unpublish", headers={**admin, "If-Match": etag})
    assert response.status_code == 200 and response.get_json()["status"] == "draft"
    problem_of(client.post(f"{url}/unpublish", headers=admin), 428)


def test_organisations_create_and_update(client, editor, make_project):
    make_project()
    created = client.post(f"{API}/organisations", json={"name": "Kreis Muster", "kind": "district"}, headers=editor)
    assert created.status_code == 201, created.get_data(as_text=True)
    problem_of(client.post(f"{API}/organisations", json={"name": "Kreis Muster"}, headers=editor), 409)
    problem_of(client.post(f"{API}/organisations", json={"name": "K", "ags": "1"}, headers=editor), 422)
    url = f"{API}/organisations/stadt-musterstadt"
    current = client.get(url)
    facts = {
        k: v
        for k, v in current.get_json().items()
        if k not in ("projects", "html_url", "api_url", "slug", "updated_at")
    }
    problem_of(client.put(url, json={**facts, "population": 1000}, headers=editor), 428)
    ok = client.put(url, json={**facts, "population": 1000}, headers={**editor, "If-Match": current.headers["ETag"]})
    assert ok.status_code == 200 and ok.get_json()["population"] == 1000
    problem_of(
        client.put(url, json={**facts, "population": 5}, headers={**editor, "If-Match": current.headers["ETag"]}), 412
    )
    # The profile it takes part in is logged as changed, so mirrors and the search see the new facts.
    assert db.session.scalars(select(Change.action).order_by(Change.seq.desc())).first() == "update"


def test_patch_is_a_merge_patch(client, editor, make_project):
    """RFC 7396: a value replaces the field (a list as a whole), null empties it, the rest stays."""
    project = make_project(keywords=["Standesamt", "Verwaltung"])
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url).headers["ETag"]
    response = client.patch(
        url,
        json={"keywords": ["Neu"], "since_year": None, "summary": None},
        headers={**editor, "If-Match": etag},
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["keywords"] == ["Neu"] and body["since_year"] is None and body["summary"] == ""
    assert body["goal"] == "Besserer Service." and len(body["participants"]) == 2
    body = problem_of(
        client.patch(url, json={"title": None}, headers={**editor, "If-Match": response.headers["ETag"]}), 422
    )
    assert body["errors"][0]["field"] == "title"
    problem_of(client.patch(url, json=["summary"], headers={**editor, "If-Match": response.headers["ETag"]}), 400)


def test_organisation_patch_and_etags(client, editor, make_project):
    """An organisation's ETag changes with its document (its profiles too), but If-Match only
    checks its own facts, so editing one of its profiles does not block a change of the facts."""
    project = make_project()
    url = f"{API}/organisations/stadt-musterstadt"
    before = client.get(url)
    etag = before.headers["ETag"]
    project_url = f"{API}/projects/{project.slug}"
    renamed = client.patch(
        project_url,
        json={"title": "Standesamt Musterstadt neu"},
        headers={**editor, "If-Match": client.get(project_url).headers["ETag"]},
    )
    assert renamed.status_code == 200
    after = client.get(url, headers={"If-None-Match": etag})
    assert (
        after.status_code == 200 and after.get_json()["projects"][0]["project"]["title"] == "Standesamt Musterstadt neu"
    )
    assert after.headers["ETag"] != etag
    patched = client.patch(url, json={"population": 4321, "website": None}, headers={**editor, "If-Match": etag})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert patched.get_json()["population"] == 4321 and patched.get_json()["ags"] == "05999001"
    problem_of(client.patch(url, json={"population": 1}, headers={**editor, "If-Match": etag}), 412)
    problem_of(client.patch(url, json={"population": 1}, headers=editor), 428)
    body = problem_of(
        client.patch(url, json={"ags": "1"}, headers={**editor, "If-Match": patched.headers["ETag"]}), 422
    )
    assert body["errors"][0]["field"] == "ags"
    # The profile shows the new facts, and the feed has logged it.
    assert client.get(project_url).get_json()["lead"]["population"] == 4321


def test_organisation_delete_only_when_it_takes_part_in_nothing(client, editor, make_project):
    project = make_project()
    created = client.post(f"{API}/organisations", json={"name": "Kreis Vertippt", "kind": "district"}, headers=editor)
    url = created.headers["Location"]
    problem_of(client.delete(url), 401)
    problem_of(client.delete(url, headers=editor), 428)
    problem_of(client.delete(url, headers={**editor, "If-Match": '"stale-000000000000"'}), 412)
    assert client.delete(url, headers={**editor, "If-Match": created.headers["ETag"]}).status_code == 204
    problem_of(client.get(url, headers=editor), 404)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation_delete")).one()
    assert event.target == "organisation:kreis-vertippt"
    # One that takes part in a profile (also an archived one) stays, and nothing of it changes.
    partner = f"{API}/organisations/stadt-musterstadt"
    project_url = f"{API}/projects/{project.slug}"
    client.delete(project_url, headers={**editor, "If-Match": client.get(project_url).headers["ETag"]})
    before = client.get(partner, headers=editor)
    body = problem_of(client.delete(partner, headers={**editor, "If-Match": before.headers["ETag"]}), 409)
    assert "beteiligt" in body["detail"]
    assert client.get(partner, headers=editor).get_json() == before.get_json()


def test_a_review_only_token_changes_no_organisation_of_a_published_profile(client, make_token, make_project, editor):
    make_project()
    limited = make_token("editor", can_publish=False)
    url = f"{API}/organisations/stadt-musterstadt"
    etag = client.get(url).headers["ETag"]
    body = problem_of(client.patch(url, json={"population": 1}, headers={**limited, "If-Match": etag}), 403)
    assert "veröffentlichen" in body["detail"]
    assert client.get(url).get_json()["population"] != 1
    # One on drafts only is theirs to keep right; one they create, too.
    created = client.post(
        f"{API}/organisations", json={"name": "Gemeinde Neu", "kind": "municipality"}, headers=limited
    )
    assert created.status_code == 201
    patched = client.patch(
        created.headers["Location"], json={"population": 900}, headers={**limited, "If-Match": created.headers["ETag"]}
    )
    assert patched.status_code == 200 and patched.get_json()["population"] == 900
    assert client.patch(url, json={"population": 1}, headers={**editor, "If-Match": etag}).status_code == 200


def test_api_writes_reach_the_search(client, admin):
    """Writes go through the services, so the search index follows them."""
    created = client.post(
        f"{API}/projects", json=project_data(title="Gemeinsamer Bauhof Quellenfeld", status="published"), headers=admin
    )
    assert created.status_code == 201
    found = client.get(f"{API}/projects?q=Quellenfeld").get_json()
    assert [item["slug"] for item in found["items"]] == ["gemeinsamer-bauhof-quellenfeld"]
    assert (
        client.delete(created.get_json()["api_url"], headers={**admin, "If-Match": created.headers["ETag"]}).status_code
        == 204
    )
    assert client.get(f"{API}/projects?q=Quellenfeld").get_json()["total"] == 0
    revisions = db.session.scalars(select(Revision.actor)).all()
    assert len(revisions) == 2 and all(actor.endswith("(user:admin)") for actor in revisions)
