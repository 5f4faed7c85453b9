"""Writing through the API: tokens, roles, If-Match, validation, soft delete, audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import AuditEvent, Change, Project, Revision
from conftest import project_data

from .api_helpers import API, problem_of


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
    problem_of(client.get(url), 404)
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
    problem_of(client.put(url, json={**document, "title": "Überschrieben?"}, headers={**editor, "If-Match": stale}), 412)
    problem_of(client.patch(url, json={"title": "Überschrieben?"}, headers={**editor, "If-Match": stale}), 412)
    problem_of(client.put(url, json=document, headers={**editor, "If-Match": '"quatsch"'}), 412)
    assert client.get(url).get_json()["title"] == "Neuer Titel"


def test_validation_errors_are_422_with_field_messages(client, editor):
    bad = project_data(title="x", participants=[{"role": "lead", "organisation": {"name": "Stadt A", "ags": "123"}}],
                       typo_field=1)
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
    problem_of(client.put(url, json={**response.get_json(), "slug": "gemeinsames-standesamt-musterstadt"},
                          headers={**editor, "If-Match": response.headers["ETag"]}), 409)


@pytest.mark.parametrize("who,status", [(None, 401), ("bad", 401), ("revoked", 401), ("basic", 401)])
def test_writes_need_a_valid_token(client, revoked, who, status):
    headers = {None: {}, "bad": {"Authorization": "Bearer ikz_falsch"}, "revoked": revoked,
               "basic": {"Authorization": "Basic dXNlcjpwYXNz"}}[who]
    response = client.post(f"{API}/projects", json=project_data(), headers=headers)
    problem_of(response, status)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(Project)) is None


def test_an_editor_without_publishing_right_gets_403(client, make_token, make_project):
    limited = make_token("editor", can_publish=False)
    project = make_project(status="draft")
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url, headers=limited).headers["ETag"]
    problem_of(client.post(f"{url}/publish", headers={**limited, "If-Match": etag}), 403)
    problem_of(client.post(f"{API}/projects", json=project_data(title="Gleich öffentlich", status="published"),
                           headers=limited), 403)
    problem_of(client.delete(url, headers={**limited, "If-Match": etag}), 403)
    ok = client.patch(url, json={"summary": "Darf sie."}, headers={**limited, "If-Match": etag})
    assert ok.status_code == 200


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
    facts = {k: v for k, v in current.get_json().items() if k not in ("projects", "html_url", "api_url", "slug", "updated_at")}
    problem_of(client.put(url, json={**facts, "population": 1000}, headers=editor), 428)
    ok = client.put(url, json={**facts, "population": 1000}, headers={**editor, "If-Match": current.headers["ETag"]})
    assert ok.status_code == 200 and ok.get_json()["population"] == 1000
    problem_of(client.put(url, json={**facts, "population": 5}, headers={**editor, "If-Match": current.headers["ETag"]}), 412)
    # The profile it takes part in is logged as changed, so mirrors and the search see the new facts.
    assert db.session.scalars(select(Change.action).order_by(Change.seq.desc())).first() == "update"
