"""Model rules as enforced by the schema and the services, on the real database."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from catalogue.extensions import db
from catalogue.models import Change, Keyword, Organisation, Project, Revision
from catalogue.schemas import ProjectInputSchema
from catalogue.services import (
    VersionConflict,
    change_status,
    find_project,
    save_project,
    snapshot,
    update_project,
)

from conftest import project_data


def load(**overrides) -> dict:
    return ProjectInputSchema().load(project_data(**overrides))


def errors_of(**overrides) -> dict:
    with pytest.raises(ValidationError) as info:
        load(**overrides)
    return info.value.messages


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- schema rules


def test_title_is_required_and_not_blank():
    assert "title" in errors_of(title=None)
    assert "title" in errors_of(title="  ")


@pytest.mark.parametrize("ags", ["1234567", "123456789", "0595800A", "05 958 004"])
def test_ags_must_be_eight_digits(ags):
    participants = [{"role": "lead", "organisation": {"name": "Stadt X", "ags": ags}}]
    messages = errors_of(participants=participants)
    assert "8 Ziffern" in messages["participants"][0]["organisation"]["ags"][0]


def test_state_must_be_iso_code():
    participants = [{"role": "lead", "organisation": {"name": "Stadt X", "state": "NRW"}}]
    assert "state" in errors_of(participants=participants)["participants"][0]["organisation"]


@pytest.mark.parametrize("year", [1899, dt.date.today().year + 1, "zwanzig"])
def test_since_year_between_1900_and_this_year(year):
    assert "since_year" in errors_of(since_year=year)


def test_since_year_may_be_empty():
    assert load(since_year=None)["since_year"] is None
    assert load(since_year="")["since_year"] is None


def test_at_most_one_lead():
    participants = [
        {"role": "lead", "organisation": {"name": "Stadt A"}},
        {"role": "lead", "organisation": {"name": "Stadt B"}},
    ]
    assert "hauptverantwortlich" in errors_of(participants=participants)["participants"][0]


def test_no_organisation_twice():
    participants = [
        {"role": "lead", "organisation": {"name": "Stadt A"}},
        {"role": "partner", "organisation": {"name": "stadt a"}},
    ]
    assert "doppelt" in errors_of(participants=participants)["participants"][0]


def test_unknown_fields_are_rejected_but_read_only_fields_ignored():
    assert "titel" in errors_of(titel="Tippfehler")
    assert load(version=7, created_at="2020-01-01T00:00:00Z")["title"]


def test_unknown_legal_form_is_rejected_with_the_known_ones():
    message = errors_of(legal_form="Fantasieform")["legal_form"][0]
    assert "Unbekannte Rechtsform" in message


def test_web_addresses_and_email_are_checked():
    messages = errors_of(
        links=[{"title": "x", "url": "javascript:alert(1)"}],
        contacts=[{"organisation": "A", "email": "kein-at-zeichen"}],
    )
    assert "url" in messages["links"][0]
    assert "email" in messages["contacts"][0]


def test_text_is_cleaned_of_stray_whitespace_and_control_characters_are_refused():
    data = load(title="  Gemeinsam \t planen \t", goal="Erste Zeile  \r\nZweite\r\n\r\n\r\n\r\nDritte")
    assert data["title"] == "Gemeinsam planen"
    assert "Nullzeichen" in errors_of(title="Gemeinsam\x00 planen")["title"][0]
    assert data["goal"] == "Erste Zeile\nZweite\n\nDritte"


def test_keywords_are_normalised():
    assert load(keywords=["Klima", "klima ", " KLIMA", "Umwelt"])["keywords"] == ["Klima", "Umwelt"]


def test_partial_dates_keep_their_precision():
    updates = [{"date": "2022", "title": "a"}, {"date": "2023-09", "title": "b"}, {"date": "2019-12-18", "title": "c"}]
    loaded = load(updates=updates)["updates"]
    assert [(u["date"], u["date_precision"]) for u in loaded] == [
        (dt.date(2022, 1, 1), "year"),
        (dt.date(2023, 9, 1), "month"),
        (dt.date(2019, 12, 18), "day"),
    ]
    assert "date" in errors_of(updates=[{"date": "2023-13", "title": "x"}])["updates"][0]


# ---------------------------------------------------------------- services


def test_create_writes_revision_and_change_in_the_same_transaction(make_project):
    project = make_project()
    assert project.version == 1
    assert [(c.project_id, c.action) for c in db.session.scalars(select(Change))] == [(project.id, "create")]
    revision = db.session.scalar(select(Revision))
    assert revision.actor == "test" and revision.snapshot["title"] == project.title


def test_a_save_that_changes_nothing_writes_nothing(make_project):
    project = make_project()
    result = update_project(project, load(), "test")
    db.session.commit()
    assert result.action == "unchanged"
    assert project.version == 1
    assert count(Change) == 1 and count(Revision) == 1


def test_an_edit_bumps_version_and_logs_the_changed_fields(make_project):
    project = make_project()
    result = update_project(project, load(goal="Noch besserer Service."), "user:anna")
    db.session.commit()
    assert result.action == "updated" and project.version == 2
    revision = db.session.scalars(select(Revision).order_by(Revision.id.desc())).first()
    assert revision.changed_fields == ["goal"] and revision.actor == "user:anna"
    assert [c.action for c in db.session.scalars(select(Change).order_by(Change.seq))] == ["create", "update"]


def test_status_changes_are_logged_as_publish_unpublish_delete(make_project):
    project = make_project(status="draft")
    for status in ("published", "draft", "published", "archived"):
        change_status(project, status, "test")
    db.session.commit()
    actions = [c.action for c in db.session.scalars(select(Change).order_by(Change.seq))]
    assert actions == ["create", "publish", "unpublish", "publish", "delete"]


def test_change_sequence_increases_strictly(make_project):
    make_project(title="Erstes Projekt")
    make_project(title="Zweites Projekt", participants=[])
    seqs = db.session.scalars(select(Change.seq).order_by(Change.seq)).all()
    assert seqs == sorted(set(seqs)) and len(seqs) == 2


def test_stale_version_is_a_conflict_and_overwrites_nothing(make_project):
    project = make_project()
    update_project(project, load(goal="Erste Änderung."), "user:a", expected_version=1)
    db.session.commit()
    with pytest.raises(VersionConflict):
        update_project(project, load(goal="Zweite Änderung."), "user:b", expected_version=1)
    db.session.rollback()
    assert db.session.get(Project, project.id).goal == "Erste Änderung."


def test_renamed_project_keeps_answering_its_old_slug(make_project):
    project = make_project()
    old = project.slug
    update_project(project, load(slug="neuer-name", title="Neuer Name"), "test")
    db.session.commit()
    assert find_project("neuer-name") == (project, False)
    assert find_project(old) == (project, True)


def test_slugs_are_unique_and_derived_with_german_transliteration(make_project):
    first = make_project(title="Großpösna übt Zusammenarbeit")
    second = make_project(title="Großpösna übt Zusammenarbeit", participants=[])
    assert first.slug == "grosspoesna-uebt-zusammenarbeit"
    assert second.slug == "grosspoesna-uebt-zusammenarbeit-2"


def test_save_project_updates_by_slug(make_project):
    project = make_project()
    result = save_project(load(summary="Neu."), "import")
    db.session.commit()
    assert result.action == "updated" and result.project.id == project.id
    assert count(Project) == 1


def test_organisations_are_shared_and_matched_by_ags_then_name(make_project):
    make_project()
    make_project(
        title="Zweites Projekt",
        participants=[
            {"role": "lead", "organisation": {"name": "Musterstadt", "ags": "05999001"}},
            {"role": "partner", "organisation": {"name": "Beispieldorf"}},
        ],
    )
    names = sorted(db.session.scalars(select(Organisation.name)))
    assert names == ["Gemeinde Beispieldorf", "Stadt Musterstadt"]


def test_profile_input_fills_gaps_but_never_overwrites_organisation_facts(make_project):
    make_project()
    make_project(
        title="Zweites Projekt",
        participants=[
            {
                "role": "lead",
                "organisation": {
                    "name": "Stadt Musterstadt",
                    "ags": "05999001",
                    "district": "Anderer Kreis",
                    "population": 1234,
                },
            },
        ],
    )
    organisation = db.session.scalar(select(Organisation).where(Organisation.ags == "05999001"))
    assert organisation.district == "Kreis Muster"
    assert organisation.population == 1234


def test_ags_is_unique_in_the_database(make_project):
    make_project()
    db.session.add(Organisation(name="Doppelt", name_key="doppelt", slug="doppelt", ags="05999001"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_keywords_are_one_row_per_normalised_name(make_project):
    make_project(keywords=["Klima"])
    make_project(title="Zweites Projekt", participants=[], keywords=["klima "])
    assert db.session.scalars(select(Keyword.name)).all() == ["Klima"]


def test_snapshot_is_stable_across_sessions(make_project):
    project = make_project()
    before = snapshot(project)
    db.session.expire_all()
    assert snapshot(db.session.get(Project, project.id)) == before
