"""The seed command: the real seed data, idempotence, editors' changes, broken files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change, LegalForm, Organisation, Project, Revision
from catalogue.schemas import ProjectInputSchema
from catalogue.services import find_project, snapshot, update_project

from conftest import REPO

SEED_DIR = REPO / "data" / "seed"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_loads_every_record_published(seeded):
    files = list((SEED_DIR / "projects").glob("*.yaml"))
    assert count(Project) == len(files) >= 19
    assert db.session.scalars(select(Project.status).distinct()).all() == ["published"]
    assert count(LegalForm) >= 11


def test_arnsberg_record_is_exactly_as_the_catalogue_record(seeded):
    project, _ = find_project("gemeinsam-nachhaltig-erfolgreich")
    assert project.title == "Gemeinsam nachhaltig erfolgreich"
    assert sorted(k.name for k in project.keywords) == sorted(
        ["Digitalisierung", "Klima", "Teilnehmer", "Landespreis", "Umwelt", "Verwaltung", "Wirtschaftsförderung"]
    )
    lead = project.lead
    assert lead.name == "Stadt Arnsberg" and lead.ags == "05958004"
    assert lead.administrative_region == "Regierungsbezirk Arnsberg"
    assert (lead.population, lead.population_source, lead.population_date) == (73487, "IT.NRW", dt.date(2020, 12, 31))
    assert lead.area_km2 == 193.72
    assert [p.name for p in project.partners] == ["Stadt Sundern (Sauerland)"]
    assert project.occasion == "Aktuellen Herausforderungen gemeinsam begegnen"
    assert project.since_year == 2022
    assert project.legal_form is None
    assert project.financing == "Die Finanzierung erfolgt über die beteiligten Partner."
    contact = project.contacts[0]
    assert (contact.organisation, contact.address, contact.phone, contact.email) == (
        "Stadt Arnsberg", "Rathausplatz 2\n59759 Arnsberg", "02932/201-0", "stadt@arnsberg.de"
    )
    assert [(u.date.year, u.date_precision) for u in project.updates] == [(2023, "month"), (2022, "year")]


def test_partheland_has_seven_municipalities_and_the_2019_workshop(seeded):
    project, _ = find_project("interkommunaler-verbundraum-region-partheland")
    assert len(project.participations) == 7
    assert project.lead.name == "Stadt Brandis"
    assert any(u.date == dt.date(2019, 12, 18) and u.date_precision == "day" for u in project.updates)


def test_bundled_partners_are_split_one_per_organisation(seeded):
    project, _ = find_project("projektstelle-klimaschutz-im-kreis-gross-gerau")
    names = [p.organisation.name for p in project.participations]
    assert len(names) == 14 and not any("," in name for name in names)


def test_population_figures_come_from_the_municipalities_file(seeded):
    nottuln = db.session.scalar(select(Organisation).where(Organisation.ags == "05558032"))
    assert (nottuln.population, nottuln.population_date) == (19436, dt.date(2015, 12, 31))
    assert len(nottuln.participations) == 2  # Finanzzentrum Baumberge and the Kreis Coesfeld delegation


def test_running_seed_twice_changes_nothing(seeded, runner):
    before = (count(Change), count(Revision), count(Organisation))
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "19 unverändert" in result.output or "unverändert" in result.output
    assert (count(Change), count(Revision), count(Organisation)) == before


def test_seed_never_overwrites_a_profile_an_editor_changed(seeded, runner):
    project, _ = find_project("finanzzentrum-baumberge")
    data = ProjectInputSchema().load({**snapshot(project), "summary": "Von der Redaktion verbessert."})
    update_project(project, data, "user:redaktion")
    db.session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "übersprungen: finanzzentrum-baumberge" in result.output
    db.session.expire_all()
    assert find_project("finanzzentrum-baumberge")[0].summary == "Von der Redaktion verbessert."


def test_broken_seed_names_file_record_and_field_and_loads_nothing(runner, tmp_path):
    broken = tmp_path / "seed"
    shutil.copytree(SEED_DIR, broken)
    target = broken / "projects" / "standesamt-untere-lenne.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("since_year: 2018", "since_year: 1850"), encoding="utf-8")
    result = runner.invoke(args=["seed", "--dir", str(broken)])
    assert result.exit_code == 1
    assert "standesamt-untere-lenne.yaml, Datensatz 1" in result.output
    assert "Feld since_year" in result.output
    assert "nichts geladen" in result.output
    assert count(Project) == 0 and count(LegalForm) == 0


def test_unreadable_seed_yaml_loads_nothing(runner, tmp_path):
    broken = tmp_path / "seed"
    shutil.copytree(SEED_DIR, broken)
    (broken / "projects" / "zz-kaputt.yaml").write_text("title: [nicht geschlossen\n", encoding="utf-8")
    result = runner.invoke(args=["seed", "--dir", str(broken)])
    assert result.exit_code == 1
    assert "zz-kaputt.yaml" in result.output and "YAML" in result.output
    assert count(Project) == 0
