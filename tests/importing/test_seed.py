"""The seed command: the real seed data, idempotence, editors' changes, broken files."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change, LegalForm, Organisation, Project, Revision
from catalogue.schemas import ProjectInputSchema
from catalogue.services import find_project, snapshot, update_project

from conftest import REPO, seed_by_command

SEED_DIR = REPO / "data" / "seed"


@pytest.fixture
def seeded(runner):
    """Here the seed command itself is under test: it runs for every test, rather than the
    copy of its result that the other tests get."""
    return seed_by_command(runner)


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
        ["Digitalisierung", "Klima", "Teilnehmer Landespreis", "Umwelt", "Verwaltung", "Wirtschaftsförderung"]
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
        "Stadt Arnsberg",
        "Rathausplatz 2\n59759 Arnsberg",
        "02932/201-0",
        "stadt@arnsberg.de",
    )
    assert [(u.date.year, u.date_precision) for u in project.updates] == [(2023, "month"), (2022, "year")]


# Every project of ../shared/data/researched-projects.json (the Städtetag Arnsberg–Sundern is
# the catalogue record of seed 002) plus the Westphalian networks of seed 003.
EXPECTED_SLUGS = {
    "digitalisierungsnetzwerke-westfaelischer-kleinstaedte",
    "feuerwehr-heiligenstedtenerkamp-hodorf",
    "finanzzentrum-baumberge",
    "gemeinsam-nachhaltig-erfolgreich",
    "gemeinsame-gesamtschule-aldenhoven-linnich",
    "gemeinsame-klimaschutzmanagerin-gvv-denzlingen-voerstetten-reute",
    "gemeinsames-standesamt-beilngries",
    "interkommunaler-verbundraum-region-partheland",
    "interkommunales-gewerbe-und-industriegebiet-oberbehme",
    "kag-oberzentrum-suedthueringen",
    "kasse-und-edv-der-samtgemeinden-nienstaedt-und-niedernwoehren",
    "oepnv-taxi-giengen-und-dischingen",
    "projektstelle-klimaschutz-im-kreis-gross-gerau",
    "sperrabfall-vom-wertstoffhof-delegation-an-den-kreis-coesfeld",
    "stadtwerke-netzdienste-dreieich-und-neu-isenburg-gmbh",
    "standesamt-untere-lenne",
    "tourismus-service-center-birkenfeld-hermeskeil-thalfang",
    "verbundraum-laendliches-westerzgebirge",
    "zweckverband-jugendarbeit-frueher-kooperation-jugendarbeit",
}

# ../shared/data/municipalities.csv: name -> (AGS, state, district, population, as of, source).
MUNICIPALITIES = {
    "Stadt Arnsberg": ("05958004", "DE-NW", "Hochsauerlandkreis", 73487, "2020-12-31", "IT.NRW"),
    "Stadt Sundern (Sauerland)": (
        "05958044",
        "DE-NW",
        "Hochsauerlandkreis",
        27741,
        "2022-12-31",
        "IT.NRW (via Wikipedia)",
    ),
    "Stadt Brandis": (
        "14729070",
        "DE-SN",
        "Landkreis Leipzig",
        9676,
        "2022-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Borsdorf": (
        "14729060",
        "DE-SN",
        "Landkreis Leipzig",
        8195,
        "2022-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Großpösna": (
        "14729190",
        "DE-SN",
        "Landkreis Leipzig",
        5508,
        "2022-12-31",
        "Statistisches Landesamt Sachsen (via stadtistik.de)",
    ),
    "Stadt Naunhof": (
        "14729300",
        "DE-SN",
        "Landkreis Leipzig",
        8618,
        "2015-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Belgershain": (
        "14729020",
        "DE-SN",
        "Landkreis Leipzig",
        3372,
        "2023-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Parthenstein": (
        "14729340",
        "DE-SN",
        "Landkreis Leipzig",
        3545,
        "2022-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Machern": (
        "14729250",
        "DE-SN",
        "Landkreis Leipzig",
        6767,
        "2022-12-31",
        "Statistisches Landesamt Sachsen (via Wikipedia)",
    ),
    "Gemeinde Nottuln": ("05558032", "DE-NW", "Kreis Coesfeld", 19436, "2015-12-31", "IT.NRW"),
    "Gemeinde Havixbeck": ("05558020", "DE-NW", "Kreis Coesfeld", 11689, "2015-12-31", "IT.NRW"),
    # The researched list gives no AGS for Altena; its key comes from the register (name, state and
    # district match exactly one place there: tests/places/test_seed_keys.py).
    "Stadt Altena (Westf.)": ("05962004", "DE-NW", "Märkischer Kreis", 16527, "2019-12-31", "IT.NRW"),
}


def test_every_researched_project_and_seed_document_is_seeded(seeded):
    assert set(db.session.scalars(select(Project.slug))) == EXPECTED_SLUGS


def test_organisation_figures_are_exactly_the_researched_ones(seeded):
    for name, (ags, state, district, population, as_of, source) in MUNICIPALITIES.items():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        assert organisation is not None, name
        assert (organisation.ags, organisation.state, organisation.district) == (ags, state, district), name
        assert (organisation.population, organisation.population_date, organisation.population_source) == (
            population,
            dt.date.fromisoformat(as_of),
            source,
        ), name
    # No figure that the municipalities file does not give; keys beyond it only for municipal
    # organisations, each one checked against the register in tests/places/test_seed_keys.py.
    with_ags = set(db.session.scalars(select(Organisation.name).where(Organisation.ags.is_not(None))))
    with_population = set(db.session.scalars(select(Organisation.name).where(Organisation.population.is_not(None))))
    assert with_ags >= {name for name, row in MUNICIPALITIES.items() if row[0]}
    assert set(db.session.scalars(select(Organisation.kind).where(Organisation.ags.is_not(None)))) == {"municipality"}
    assert with_population == set(MUNICIPALITIES)
    assert set(db.session.scalars(select(Organisation.name).where(Organisation.area_km2.is_not(None)))) == {
        "Stadt Arnsberg"
    }


def test_arnsberg_updates_are_the_two_staedtetag_reports(seeded):
    project, _ = find_project("gemeinsam-nachhaltig-erfolgreich")
    second, first = project.updates
    assert (second.date, second.date_precision) == (dt.date(2023, 9, 1), "month")
    assert (
        "50 Beschäftigte" in second.text and "fünf Arbeitsgruppen" in second.text and "Sunderner Rathaus" in second.text
    )
    assert "jährlich" in second.text
    assert (first.date, first.date_precision) == (dt.date(2022, 1, 1), "year")
    assert "60 Beschäftigte" in first.text and "sieben Themengruppen" in first.text
    assert "Peter-Prinz-Bildungshaus" in first.text
    assert project.source_note.startswith("(Quelle für Text und Bild: Stadt Arnsberg und Links)")


def test_westphalian_networks_name_no_lead_and_no_year_the_article_lacks(seeded):
    project, _ = find_project("digitalisierungsnetzwerke-westfaelischer-kleinstaedte")
    assert project.lead is None and project.since_year is None and project.legal_form is None
    assert sorted((p.name, p.kind, p.state) for p in project.partners) == [
        (f"Bezirksregierung {city}", "state_authority", "DE-NW") for city in ("Arnsberg", "Detmold", "Münster")
    ]


def test_contradictions_between_sources_are_named_not_resolved_by_guess(seeded):
    partheland, _ = find_project("interkommunaler-verbundraum-region-partheland")
    assert "Machern" in partheland.source_note and "sechs Kommunen" in partheland.source_note
    taxi, _ = find_project("oepnv-taxi-giengen-und-dischingen")
    assert taxi.since_year is None and "2025" in taxi.source_note
    erzgebirge, _ = find_project("verbundraum-laendliches-westerzgebirge")
    assert "FR Demografie" in erzgebirge.financing and "FR-Regio" in erzgebirge.financing
    youth, _ = find_project("zweckverband-jugendarbeit-frueher-kooperation-jugendarbeit")
    assert youth.since_year == 1999 and "nicht datiert" in youth.source_note


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
    files = list((SEED_DIR / "projects").glob("*.yaml"))
    assert f"{len(files)} unverändert" in result.output
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
    target.write_text(
        target.read_text(encoding="utf-8").replace("since_year: 2018", "since_year: 1850"), encoding="utf-8"
    )
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
