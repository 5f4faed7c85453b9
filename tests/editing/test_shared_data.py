"""The data that profiles share goes through one path too: an organisation's change gives the
same result in the admin and through the API for the same person and the same input."""

from __future__ import annotations

from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Change, Organisation
from catalogue.schemas import OrganisationOutputSchema
from catalogue.services import ORGANISATION_FACTS

API = "/api/v1"


def two_towns(make_project) -> tuple[Organisation, Organisation]:
    """Two towns alike but for name and AGS, each the lead of its own published profile: one to
    change through the admin, one through the API."""
    towns = []
    for name, ags in (("Stadt Nordtal", "05999011"), ("Stadt Südtal", "05999012")):
        town = {"name": name, "kind": "municipality", "ags": ags, "state": "DE-NW", "district": "Kreis Muster"}
        make_project(title=f"Gemeinsames Standesamt {name}", participants=[{"role": "lead", "organisation": town}])
        towns.append(db.session.scalar(select(Organisation).where(Organisation.name == name)))
    return towns[0], towns[1]


def state(organisation: Organisation) -> dict:
    """What an organisation's change leaves behind, without what differs between the two towns by
    design (name, address, AGS and the place key taken from it): its facts and the change-log rows of its profiles."""
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    facts = OrganisationOutputSchema().dump(organisation)
    project_ids = [participation.project_id for participation in organisation.participations]
    changes = db.session.scalars(select(Change.action).where(Change.project_id.in_(project_ids)).order_by(Change.seq))
    return {
        "facts": {k: v for k, v in facts.items() if k not in ("name", "slug", "ags", "place_key")},
        "changes": list(changes),
    }


def admin_change(person, organisation: Organisation, **changes):
    """The organisation form sent back with ``changes``, as the editor's browser does."""
    facts = {name: getattr(organisation, name) for name in ORGANISATION_FACTS}
    data = {name: "" if value is None else str(value) for name, value in {**facts, **changes}.items()}
    return person.post_form(f"/admin/organisationen/{organisation.slug}", data)


def api_change(client, person, organisation: Organisation, **changes):
    url = f"{API}/organisations/{organisation.slug}"
    current = client.get(url, headers=person.token)
    assert current.status_code == 200, current.text
    return client.patch(url, json=changes, headers={**person.token, "If-Match": current.headers["ETag"]})


def test_a_review_only_editor_changes_no_organisation_a_published_profile_shows_on_either_path(
    client, make_project, limited
):
    through_admin, through_api = two_towns(make_project)
    before = state(through_api)

    refused_admin = admin_change(limited, through_admin, population=48000)
    refused_api = api_change(client, limited, through_api, population=48000)

    assert (refused_admin.status_code, refused_api.status_code) == (403, 403)
    reason = refused_api.get_json()["detail"]
    assert "wer veröffentlichen darf" in reason and reason in refused_admin.text
    assert state(through_admin) == state(through_api) == before


def test_a_publishers_organisation_change_is_the_same_through_admin_and_api(client, make_project, publisher):
    through_admin, through_api = two_towns(make_project)

    assert admin_change(publisher, through_admin, population=48000).status_code == 303
    assert api_change(client, publisher, through_api, population=48000).status_code == 200

    assert state(through_admin) == state(through_api)
    after = state(through_api)
    assert after["facts"]["population"] == 48000
    assert after["changes"] == ["create", "update"]  # its profile logged as changed, for search and feed
