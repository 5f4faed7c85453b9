"""The import and export commands with every format, good and bad files, and the round trip."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select, text

from catalogue.extensions import db
from catalogue.models import Project
from catalogue.services import find_project, snapshot

from conftest import project_data

IMPORT_FILES = Path(__file__).resolve().parent / "files"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if isinstance(content, (dict, list)):
        content = json.dumps(content, ensure_ascii=False)
    path.write_text(content, encoding="utf-8")
    return path


# ---------------------------------------------------------------- text record format


def test_import_text_record_creates_the_profile(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "arnsberg.txt")])
    assert result.exit_code == 0, result.output
    assert "angelegt: gemeinsam-nachhaltig-erfolgreich" in result.output
    project, _ = find_project("gemeinsam-nachhaltig-erfolgreich")
    assert project.status == "published"
    assert project.lead.name == "Stadt Arnsberg" and project.lead.population == 73487
    assert [p.name for p in project.partners] == ["Sundern (Sauerland)"]
    assert project.since_year == 2022
    assert len(project.keywords) == 7


def test_import_text_record_updates_the_seeded_profile_and_keeps_what_it_cannot_carry(seeded, runner):
    """The catalogue's own record of Arnsberg–Sundern updates the seeded profile (no duplicate);
    its news items, which the text format cannot hold, survive."""
    before = find_project("gemeinsam-nachhaltig-erfolgreich")[0]
    projects_before, updates_before = count(Project), len(before.updates)
    result = runner.invoke(args=["import", str(IMPORT_FILES / "arnsberg.txt")])
    assert result.exit_code == 0, result.output
    assert "gemeinsam-nachhaltig-erfolgreich" in result.output and "angelegt" not in result.output
    db.session.expire_all()
    after = find_project("gemeinsam-nachhaltig-erfolgreich")[0]
    assert count(Project) == projects_before
    assert len(after.updates) == updates_before == 2
    assert after.lead.ags == "05958004" and after.lead.population == 73487
    assert [p.name for p in after.partners] == ["Stadt Sundern (Sauerland)"]
    assert [link.title for link in after.links] == ["Artikel Städtetag Arnsberg und Sundern", "Stadt Arnsberg"]
    # The record lists its keywords separated by spaces only; the catalogue's known
    # multi-word keyword "Teilnehmer Landespreis" stays whole instead of becoming two.
    assert [keyword.name for keyword in after.keywords] == [
        "Digitalisierung",
        "Klima",
        "Teilnehmer Landespreis",
        "Umwelt",
        "Verwaltung",
        "Wirtschaftsförderung",
    ]


def test_import_messy_real_page_copy(seeded, runner, tmp_path):
    """BOM, CRLF, ad debris and headings out of order; valid once its year is a number."""
    messy = (IMPORT_FILES / "messy.txt").read_text(encoding="utf-8-sig").replace("seit: zwanzig", "seit: 2019")
    result = runner.invoke(args=["import", "--status", "draft", str(write(tmp_path, "messy.txt", messy))])
    assert result.exit_code == 0, result.output
    project = find_project("gemeinsamer-bauhof-nordtal")[0]
    assert project.status == "draft" and project.since_year == 2019
    assert project.legal_form.name == "Zweckverband"


def test_import_messy_record_with_text_year_is_rejected_with_the_field(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "messy.txt")])
    assert result.exit_code == 1
    assert "messy.txt, Datensatz 1 (Zeile 4), Feld since_year: Jahr als vierstellige Zahl erwartet." in result.output
    assert count(Project) == 0


def test_import_record_without_title_names_file_and_line_and_exits_nonzero(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "no_title.txt")])
    assert result.exit_code == 1
    assert "no_title.txt" in result.output
    assert count(Project) == 0


def test_import_is_idempotent_and_reports_unchanged(runner):
    runner.invoke(args=["import", str(IMPORT_FILES / "arnsberg.txt")])
    result = runner.invoke(args=["import", str(IMPORT_FILES / "arnsberg.txt")])
    assert result.exit_code == 0
    assert "unverändert: gemeinsam-nachhaltig-erfolgreich" in result.output


# ---------------------------------------------------------------- JSON


def test_import_json_good_and_bad_records_independently(runner, tmp_path):
    good = project_data()
    bad = project_data(title="Kaputtes Projekt", since_year=1800)
    path = write(tmp_path, "profile.json", [good, bad])
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "angelegt: gemeinsames-standesamt-musterstadt" in result.output
    assert "profile.json, Datensatz 2 („Kaputtes Projekt“), Feld since_year" in result.output
    assert "Datensatz nicht importiert" in result.output
    assert db.session.scalars(select(Project.title)).all() == ["Gemeinsames Standesamt Musterstadt"]


def test_import_json_nested_field_errors_are_named(runner, tmp_path):
    data = project_data(participants=[{"role": "lead", "organisation": {"name": "Stadt X", "ags": "123"}}])
    result = runner.invoke(args=["import", str(write(tmp_path, "p.json", data))])
    assert result.exit_code == 1
    assert "Feld participants.0.organisation.ags" in result.output


def test_invalid_json_file_is_reported_with_position(runner, tmp_path):
    result = runner.invoke(args=["import", str(write(tmp_path, "p.json", '{"title": "x",'))])
    assert result.exit_code == 1
    assert "p.json, Zeile 1" in result.output and "kein gültiges JSON" in result.output


def test_bad_record_does_not_damage_the_stored_profile(make_project, runner, tmp_path):
    project = make_project()
    before = snapshot(project)
    bad = project_data(summary="Überschrieben?", links=[{"title": "x", "url": "ftp://nope"}])
    result = runner.invoke(args=["import", str(write(tmp_path, "p.json", bad))])
    assert result.exit_code == 1
    db.session.expire_all()
    assert snapshot(find_project(project.slug)[0]) == before


def test_dry_run_validates_but_writes_nothing(runner, tmp_path):
    result = runner.invoke(args=["import", "--dry-run", str(write(tmp_path, "p.json", project_data()))])
    assert result.exit_code == 0
    assert "nichts gespeichert" in result.output
    assert count(Project) == 0


def test_missing_file_and_binary_file_are_clear_errors(runner, tmp_path):
    binary = tmp_path / "bild.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = runner.invoke(args=["import", str(tmp_path / "fehlt.json"), str(binary)])
    assert result.exit_code == 1
    assert "fehlt.json: Datei nicht lesbar" in result.output
    assert "bild.txt" in result.output


def test_long_runs_show_progress(runner, tmp_path):
    records = [project_data(title=f"Projekt Nummer {n}", participants=[]) for n in range(1, 31)]
    result = runner.invoke(args=["import", str(write(tmp_path, "viele.json", records))])
    assert result.exit_code == 0
    assert "[1/30]" in result.output and "[30/30]" in result.output


# ---------------------------------------------------------------- CSV


def test_import_csv_good(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "good_semicolon.csv")])
    assert result.exit_code == 0, result.output
    assert count(Project) >= 1


def test_import_csv_bad_row_names_line_and_field(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "bad_since_year.csv")])
    assert result.exit_code == 1
    assert "bad_since_year.csv, Zeile" in result.output and "Feld since_year" in result.output


def test_import_csv_unknown_column_is_rejected(runner):
    result = runner.invoke(args=["import", str(IMPORT_FILES / "bad_unknown_column.csv")])
    assert result.exit_code == 1
    assert count(Project) == 0


# ---------------------------------------------------------------- export


def test_export_json_to_stdout_has_only_published_profiles(make_project, runner):
    make_project()
    make_project(title="Entwurf bleibt intern", participants=[], status="draft")
    result = runner.invoke(args=["export", "--format", "json"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert [p["title"] for p in document["projects"]] == ["Gemeinsames Standesamt Musterstadt"]


def test_json_round_trip_into_an_empty_catalogue_gives_identical_profiles(seeded, runner, tmp_path, app):
    export_file = tmp_path / "export.json"
    assert runner.invoke(args=["export", "--format", "json", "--output", str(export_file)]).exit_code == 0
    before = {p.slug: snapshot(p) for p in db.session.scalars(select(Project))}

    # Empty the catalogue except the managed list of legal forms, then import the export.
    db.session.rollback()  # end this session's read snapshot before another connection deletes
    with db.engine.begin() as connection:
        for table in (
            "changes",
            "revisions",
            "project_keywords",
            "participations",
            "contacts",
            "links",
            "project_updates",
            "slug_redirects",
            "projects",
            "keywords",
            "organisations",
        ):
            connection.execute(text(f"DELETE FROM {table}"))
    db.session.expire_all()
    assert count(Project) == 0

    result = runner.invoke(args=["import", str(export_file)])
    assert result.exit_code == 0, result.output
    after = {p.slug: snapshot(p) for p in db.session.scalars(select(Project))}
    assert after == before


def test_export_csv_and_reimport(make_project, runner, tmp_path):
    make_project()
    csv_file = tmp_path / "export.csv"
    assert runner.invoke(args=["export", "--format", "csv", "--output", str(csv_file)]).exit_code == 0
    text = csv_file.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("slug,title")
    result = runner.invoke(args=["import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "unverändert: gemeinsames-standesamt-musterstadt" in result.output
