"""Tests for CSV import and export (pure functions, no app needed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalogue.importing.csv_format import COLUMNS, read_csv_records, write_csv
from catalogue.importing.records import ReadError
from catalogue.importing.text_record import read_text_records

FILES = Path(__file__).parent / "files"


def read(name: str):
    """Read a fixture as text, keeping BOM and line ends as they are in the file."""
    return read_csv_records((FILES / name).read_bytes().decode("utf-8"), name)


def read_error(name: str, as_bytes: bool = False) -> ReadError:
    """The ReadError reading a fixture raises."""
    content = (FILES / name).read_bytes()
    with pytest.raises(ReadError) as caught:
        read_csv_records(content if as_bytes else content.decode("utf-8"), name)
    assert caught.value.source == name
    return caught.value


# ---------------------------------------------------------------- reading


@pytest.fixture(scope="module")
def good():
    return read("good_semicolon.csv")


def test_rows_and_physical_line_numbers(good):
    # Row 1 spans lines 2-5 (line breaks inside quotes); line 6 is an empty row and skipped.
    assert [r.location for r in good] == ["Zeile 2", "Zeile 7"]
    assert [r.data["title"] for r in good] == ["Gemeinsamer Bauhof", "Zweite Kooperation"]


def test_simple_fields(good):
    data = good[0].data
    assert data["slug"] == "gemeinsamer-bauhof"
    assert data["keywords"] == ["Bauhof", "Winterdienst"]
    assert data["goal"] == "Ein Bauhof.\n- Maschinen teilen"
    assert data["since_year"] == 2019
    assert "status" not in data
    assert "summary" not in data


def test_participants_with_ags_state_and_district(good):
    common = {"state": "DE-SH", "district": "Kreis Musterland"}
    assert good[0].data["participants"] == [
        {
            "role": "lead",
            "organisation": {"name": "Gemeinde Nordtal", "kind": "municipality", "ags": "01234567", **common},
        },
        {
            "role": "partner",
            "organisation": {"name": "Gemeinde Südberg", "kind": "municipality", "ags": "01234568", **common},
        },
        {"role": "partner", "organisation": {"name": "Westheim", "kind": "municipality", **common}},
    ]


def test_lead_ags_in_brackets(good):
    assert good[1].data["participants"] == [
        {"role": "lead", "organisation": {"name": "Stadt Arnsberg", "kind": "municipality", "ags": "05958004"}}
    ]


def test_links_and_contact(good):
    assert good[0].data["links"] == [
        {"title": "Satzung", "url": "https://www.nordtal.example/satzung.pdf"},
        {"title": "", "url": "https://www.suedberg.example/bauhof"},
        {"title": "Nur ein Titel", "url": ""},
    ]
    assert good[0].data["contacts"] == [
        {
            "organisation": "Gemeinde Nordtal",
            "role": "",
            "address": "",
            "phone": "",
            "email": "bauhof@nordtal.example",
            "website": "",
        }
    ]


def test_empty_cells(good):
    data = good[1].data
    assert data["since_year"] is None
    assert data["keywords"] == []
    assert data["links"] == []
    assert data["contacts"] == []
    assert data["goal"] == ""
    assert "slug" not in data


def test_comma_delimiter():
    records = read("good_comma.csv")
    assert len(records) == 1
    assert records[0].data == {"title": "Erste Kooperation", "status": "draft", "legal_form": "Zweckverband"}


def test_single_column_file():
    assert [r.data for r in read("title_only.csv")] == [{"title": "Nur ein Titel"}]


def test_text_year_is_kept_for_the_schema():
    records = read("bad_since_year.csv")
    assert records[0].data["since_year"] == "zwanzig"
    assert records[0].location == "Zeile 2"


# ---------------------------------------------------------------- errors


def test_unknown_columns_are_named():
    error = read_error("bad_unknown_column.csv")
    assert error.location == "Zeile 1"
    assert "bürgermeister" in error.message
    assert "telefon" in error.message


def test_missing_title_column():
    error = read_error("bad_missing_title.csv")
    assert "title" in error.message


def test_binary_garbage_as_bytes():
    error = read_error("bad_binary.csv", as_bytes=True)
    assert "UTF-8" in error.message


def test_binary_garbage_as_text():
    content = (FILES / "bad_binary.csv").read_bytes().decode("latin-1")
    with pytest.raises(ReadError) as caught:
        read_csv_records(content, "bad_binary.csv")
    assert "Null-Bytes" in caught.value.message


def test_prose_is_not_csv():
    error = read_error("arnsberg.txt")
    assert "Unbekannte Spalten" in error.message
    assert "gemeinsam nachhaltig erfolgreich" in error.message


def test_too_many_cells():
    with pytest.raises(ReadError) as caught:
        read_csv_records("title,slug\nEins,eins\nZwei,zwei,drei\n", "x.csv")
    assert caught.value.location == "Zeile 3"


def test_empty_file():
    with pytest.raises(ReadError):
        read_csv_records("\ufeff\r\n", "leer.csv")


# ---------------------------------------------------------------- writing


PROJECT = {
    "slug": "gemeinsamer-bauhof",
    "title": "Gemeinsamer Bauhof",
    "summary": "Drei Gemeinden, ein Bauhof.",
    "status": "published",
    "keywords": ["Bauhof", "Winterdienst, Grünpflege"],
    "participants": [
        {
            "role": "partner",
            "organisation": {"name": "Gemeinde Südberg", "kind": "municipality", "ags": "01234568", "state": "DE-SH"},
        },
        {
            "role": "lead",
            "organisation": {"name": "Gemeinde Nordtal", "kind": "municipality", "ags": "01234567", "state": "DE-SH"},
        },
        {
            "role": "partner",
            "organisation": {"name": "Westheim", "kind": "municipality", "ags": None, "state": "DE-SH"},
        },
    ],
    "occasion": "Zu wenig Personal.",
    "goal": "Ein Bauhof.\n\n- Maschinen teilen\n- Personal vertreten",
    "implementation": 'Satzung mit "Anführungszeichen"; Komma, Semikolon',
    "financing": "Umlage",
    "legal_form": "Zweckverband",
    "since_year": 2019,
    "source_note": "Quelle: Amtsblatt",
    "contacts": [
        {
            "organisation": "Gemeinde Nordtal",
            "role": "Bauamt",
            "address": "Hauptstraße 1\n12345 Nordtal",
            "phone": "01234/5678",
            "email": "bauhof@nordtal.example",
            "website": "https://www.nordtal.example",
        }
    ],
    "links": [
        {"title": "Satzung", "url": "https://www.nordtal.example/satzung.pdf"},
        {"title": "", "url": "https://www.suedberg.example/bauhof"},
        {"title": "Nur ein Titel", "url": ""},
    ],
    "updates": [],
    "version": 3,
}


def written(projects: list[dict]) -> str:
    stream = io.StringIO(newline="")
    write_csv(projects, stream)
    return stream.getvalue()


def test_written_header_and_line_ends():
    text = written([PROJECT])
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert text.endswith("\r\n")
    assert "Gemeinde Südberg [AGS 01234568]; Westheim" in text
    assert (
        "Satzung | https://www.nordtal.example/satzung.pdf\nhttps://www.suedberg.example/bauhof\nNur ein Titel" in text
    )


def test_round_trip():
    (record,) = read_csv_records(written([PROJECT]), "export.csv")
    data = record.data
    for key in (
        "slug",
        "title",
        "summary",
        "status",
        "occasion",
        "goal",
        "implementation",
        "financing",
        "legal_form",
        "since_year",
        "source_note",
        "contacts",
        "links",
    ):
        assert data[key] == PROJECT[key], key
    # "Winterdienst, Grünpflege" is one keyword: only ";" separates keywords in CSV.
    assert data["keywords"] == PROJECT["keywords"]
    got = [
        (p["role"], p["organisation"]["name"], p["organisation"].get("ags"), p["organisation"]["state"])
        for p in data["participants"]
    ]
    assert got == [
        ("lead", "Gemeinde Nordtal", "01234567", "DE-SH"),
        ("partner", "Gemeinde Südberg", "01234568", "DE-SH"),
        ("partner", "Westheim", None, "DE-SH"),
    ]


def test_round_trip_of_text_record_several_rows():
    arnsberg = read_text_records((FILES / "arnsberg.txt").read_text(encoding="utf-8"), "arnsberg.txt")[0].data
    minimal = {"title": "Nur ein Titel"}
    records = read_csv_records(written([arnsberg, minimal]), "export.csv")
    assert [r.location for r in records] == ["Zeile 2", "Zeile 7"]  # row 1 holds four quoted line breaks
    first = records[0].data
    assert first["implementation"] == arnsberg["implementation"]
    assert first["links"] == arnsberg["links"]
    assert [p["organisation"]["name"] for p in first["participants"]] == ["Stadt Arnsberg", "Sundern (Sauerland)"]
    assert records[1].data["participants"] == []
    assert records[1].data["since_year"] is None


def test_state_only_written_when_shared():
    project = {
        "title": "Länderübergreifend",
        "participants": [
            {"role": "lead", "organisation": {"name": "Stadt A", "state": "DE-NW", "district": "Kreis Soest"}},
            {"role": "partner", "organisation": {"name": "Stadt B", "state": "DE-NI", "district": "Kreis Soest"}},
        ],
    }
    (record,) = read_csv_records(written([project]), "export.csv")
    for participant in record.data["participants"]:
        assert "state" not in participant["organisation"]
        assert participant["organisation"]["district"] == "Kreis Soest"


def test_formula_cells_are_defused_in_the_export_and_restored_on_import():
    """CSV injection: a cell a spreadsheet would run as a formula is written as text."""
    import io

    project = {
        "title": '=HYPERLINK("http://böse.example")',
        "goal": "- erstens\n- zweitens",
        "summary": "+49 2932 201-0",
        "financing": "@SUM(A1)",
        "implementation": "-1+2",
        "source_note": "'zitiert'",
        "participants": [],
        "keywords": [],
        "links": [],
        "contacts": [],
    }
    stream = io.StringIO()
    write_csv([project], stream)
    written = stream.getvalue()
    assert "\"'=HYPERLINK" in written and "'+49" in written and "'@SUM" in written and "'-1+2" in written
    assert '"- erstens' in written  # "- " lists are not formulas and stay untouched
    data = read_csv_records(written, "x.csv")[0].data
    for field in ("title", "goal", "summary", "financing", "implementation", "source_note"):
        assert data[field] == project[field], field
