"""Tests for the text record reader (pure functions, no app needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.importing.records import ReadError
from catalogue.importing.text_record import read_text_records

FILES = Path(__file__).parent / "files"


def read(name: str):
    """Read a fixture as the importer would: bytes decoded as UTF-8, line ends untouched."""
    return read_text_records((FILES / name).read_bytes().decode("utf-8"), name)


def lead_and_partners(data: dict) -> tuple[dict, list[str]]:
    """The lead's organisation and the partner names of a record."""
    leads = [p["organisation"] for p in data["participants"] if p["role"] == "lead"]
    partners = [p["organisation"]["name"] for p in data["participants"] if p["role"] == "partner"]
    assert len(leads) == 1
    return leads[0], partners


# ---------------------------------------------------------------- the real page copy


@pytest.fixture(scope="module")
def arnsberg() -> dict:
    records = read("arnsberg.txt")
    assert len(records) == 1
    assert records[0].source == "arnsberg.txt"
    assert records[0].location == "Datensatz 1 (Zeile 3)"
    return records[0].data


def test_arnsberg_title_and_keywords(arnsberg):
    assert arnsberg["title"] == "Gemeinsam nachhaltig erfolgreich"
    assert arnsberg["keywords"] == [
        "Digitalisierung",
        "Klima",
        "Teilnehmer",
        "Landespreis",
        "Umwelt",
        "Verwaltung",
        "Wirtschaftsförderung",
    ]


def test_space_separated_keywords_keep_known_multi_word_keywords_whole():
    text = (FILES / "arnsberg.txt").read_text(encoding="utf-8")
    known = ["teilnehmer landespreis", "Klima", "Umwelt Verwaltung Extra"]  # the last one is not in the record
    keywords = read_text_records(text, "arnsberg.txt", known_keywords=known)[0].data["keywords"]
    assert keywords == [
        "Digitalisierung",
        "Klima",
        "Teilnehmer Landespreis",
        "Umwelt",
        "Verwaltung",
        "Wirtschaftsförderung",
    ]


def test_arnsberg_lead_gets_kurzprofil_name_and_facts(arnsberg):
    lead, _ = lead_and_partners(arnsberg)
    assert lead == {
        "name": "Stadt Arnsberg",
        "kind": "municipality",
        "administrative_region": "Regierungsbezirk Arnsberg",
        "population": 73487,
        "population_date": "2020-12-31",
        "population_source": "IT.NRW",
        "area_km2": 193.72,
    }
    assert arnsberg["participants"][0]["role"] == "lead"


def test_arnsberg_partner_from_subtitle_as_written(arnsberg):
    _, partners = lead_and_partners(arnsberg)
    assert partners == ["Sundern (Sauerland)"]
    assert arnsberg["participants"][1]["organisation"]["kind"] == "municipality"


def test_arnsberg_text_sections(arnsberg):
    assert arnsberg["occasion"] == "Aktuellen Herausforderungen gemeinsam begegnen"
    assert arnsberg["goal"].startswith("Ziel der Zusammenarbeit ist es, die interkommunale Zusammenarbeit")
    assert arnsberg["goal"].endswith("erfolgreich zu begegnen.")
    paragraphs = arnsberg["implementation"].split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("Die Städte Arnsberg und Sundern haben unter dem Motto:")
    assert paragraphs[1].startswith("Insgesamt stellt die Kooperation für alle einen großen Gewinn dar:")
    assert "Quelle" not in arnsberg["implementation"]
    assert arnsberg["financing"] == "Die Finanzierung erfolgt über die beteiligten Partner."


def test_arnsberg_legal_form_year_source(arnsberg):
    assert arnsberg["legal_form"] == ""
    assert arnsberg["since_year"] == 2022
    assert arnsberg["source_note"] == "Quelle für Text und Bild: Stadt Arnsberg und Links"


def test_arnsberg_contact(arnsberg):
    assert arnsberg["contacts"] == [
        {
            "organisation": "Stadt Arnsberg",
            "role": "",
            "address": "Rathausplatz 2\n59759 Arnsberg",
            "phone": "02932/201-0",
            "email": "stadt@arnsberg.de",
            "website": "",
        }
    ]


def test_arnsberg_links_have_titles_only(arnsberg):
    assert arnsberg["links"] == [
        {"title": "Artikel Städtetag Arnsberg und Sundern", "url": ""},
        {"title": "Stadt Arnsberg", "url": ""},
    ]


def test_arnsberg_sets_no_slug_or_status(arnsberg):
    assert "slug" not in arnsberg
    assert "status" not in arnsberg


# ---------------------------------------------------------------- a messy copy


@pytest.fixture(scope="module")
def messy():
    records = read("messy.txt")
    assert len(records) == 1
    return records[0]


def test_messy_bom_crlf_and_debris_are_ignored(messy):
    # Line 1 is only the BOM, 2 is "- Anzeige -", 3 is whitespace: the title is on line 4.
    assert messy.location == "Datensatz 1 (Zeile 4)"
    assert messy.data["title"] == "Gemeinsamer Bauhof Nordtal"
    assert not any("\r" in value for value in messy.data.values() if isinstance(value, str))


def test_messy_inline_values_and_separators(messy):
    assert messy.data["legal_form"] == "Zweckverband"
    assert messy.data["keywords"] == ["Bauhof", "Winterdienst", "Grünpflege"]


def test_messy_unparsable_year_stays_text(messy):
    assert messy.data["since_year"] == "zwanzig"


def test_messy_goal_list_and_source_note(messy):
    assert messy.data["goal"] == "Ein gemeinsamer Bauhof für drei Gemeinden.\n- Maschinen teilen\n- Personal vertreten"
    assert messy.data["source_note"] == "Quelle: Amtsblatt Nordtal, 2021"


def test_messy_missing_sections_are_absent(messy):
    for field in ("occasion", "implementation", "financing", "summary"):
        assert field not in messy.data


def test_messy_participants_deduplicated(messy):
    lead, partners = lead_and_partners(messy.data)
    assert lead == {
        "name": "Gemeinde Nordtal",
        "kind": "municipality",
        "district": "Landkreis Musterland",
        "population": 5321,
        "population_source": "Statistisches Landesamt",
        "population_date": "2021-06-30",
        "area_km2": 1234.5,
    }
    # "Südberg" from the subtitle is the same place as "Gemeinde Südberg"; "Gemeinde Nordtal" is the lead.
    assert partners == ["Gemeinde Südberg", "Westheim"]


def test_messy_contact(messy):
    assert messy.data["contacts"] == [
        {
            "organisation": "Gemeinde Nordtal",
            "role": "Bauamt, Herr Beispiel",
            "address": "Hauptstraße 1\n12345 Nordtal",
            "phone": "01234/5678",
            "email": "bauhof@nordtal.example",
            "website": "https://www.nordtal.example",
        }
    ]


def test_messy_links_with_urls(messy):
    assert messy.data["links"] == [
        {"title": "Satzung des Zweckverbands", "url": "https://www.nordtal.example/satzung.pdf"},
        {"title": "https://www.suedberg.example/bauhof", "url": "https://www.suedberg.example/bauhof"},
    ]


# ---------------------------------------------------------------- several records, errors


def test_two_records_with_locations():
    records = read("two_records.txt")
    assert [r.location for r in records] == ["Datensatz 1 (Zeile 1)", "Datensatz 2 (Zeile 6)"]
    assert [r.data["title"] for r in records] == ["Erster Datensatz", "Zweiter Datensatz"]
    assert records[0].data["keywords"] == ["Wasser", "Abwasser"]
    assert records[0].data["participants"] == []
    assert records[1].data["participants"] == [
        {"role": "lead", "organisation": {"name": "Meschede", "kind": "municipality"}},
        {"role": "partner", "organisation": {"name": "Arnsberg", "kind": "municipality"}},
    ]


def test_record_without_title_names_its_line():
    with pytest.raises(ReadError) as caught:
        read("no_title.txt")
    assert caught.value.source == "no_title.txt"
    assert caught.value.location == "Datensatz 2 (Zeile 6)"
    assert "Stichworte" in caught.value.message


def test_empty_text_gives_no_records():
    assert read_text_records("\ufeff\r\n \u00a0\r\n- Anzeige -\r\n---\r\n", "leer.txt") == []


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Projektseite - https://example.org/a", {"title": "Projektseite", "url": "https://example.org/a"}),
        ("https://example.org/a | Projektseite", {"title": "Projektseite", "url": "https://example.org/a"}),
        ("Bericht (https://example.org/b).", {"title": "Bericht", "url": "https://example.org/b"}),
        ("Nur ein Titel", {"title": "Nur ein Titel", "url": ""}),
    ],
)
def test_link_lines(line, expected):
    text = f"Titel des Projekts\nLinks:\n{line}\n"
    assert read_text_records(text, "x.txt")[0].data["links"] == [expected]


def test_heading_text_on_same_line_and_repeated_kurzprofil_facts_do_not_crash():
    text = (
        "Titel des Projekts\n"
        "Kurzprofil:\nKreis Soest\nEinwohner: viele\nFläche: unbekannt\nHochsauerlandkreis\n"
        "Zusammenarbeit seit: 2019\n"
    )
    data = read_text_records(text, "x.txt")[0].data
    assert data["participants"] == [
        {"role": "lead", "organisation": {"name": "Kreis Soest", "kind": "district", "district": "Hochsauerlandkreis"}}
    ]
    assert data["since_year"] == 2019


def test_empty_year_is_none():
    data = read_text_records("Titel des Projekts\nZusammenarbeit seit:\n\nKontakt:\n", "x.txt")[0].data
    assert data["since_year"] is None
    assert data["contacts"] == []
