"""Tests for guessing an organisation's kind from its name."""

from __future__ import annotations

import pytest

from catalogue.importing.naming import guess_organisation_kind, place_key


@pytest.mark.parametrize(
    "name, kind",
    [
        ("Stadt Arnsberg", "municipality"),
        ("Gemeinde Großpösna", "municipality"),
        ("Markt Indersdorf", "municipality"),
        ("Hansestadt Lübeck", "municipality"),
        ("Arnsberg", "municipality"),
        ("Sundern (Sauerland)", "municipality"),
        ("Frankfurt am Main", "municipality"),
        ("Kreis Soest", "district"),
        ("Landkreis Leipzig", "district"),
        ("Hochsauerlandkreis", "district"),
        ("Rhein-Sieg-Kreis", "district"),
        ("Rhein-Kreis Neuss", "district"),
        ("Samtgemeinde Harsefeld", "municipal_association"),
        ("Verbandsgemeinde Bad Ems-Nassau", "municipal_association"),
        ("Amt Hüttener Berge", "municipal_association"),
        ("Verwaltungsgemeinschaft Saale-Rennsteig", "municipal_association"),
        ("Gemeindeverwaltungsverband Donaueschingen", "municipal_association"),
        ("GVV Mittleres Fils-Lautertal", "municipal_association"),
        ("Bezirksregierung Arnsberg", "state_authority"),
        ("Regierung von Oberbayern", "state_authority"),
        ("Ministerium für Heimat, Kommunales, Bau und Digitalisierung", "state_authority"),
        ("Landesamt für Statistik", "state_authority"),
        ("Stadtwerke Arnsberg GmbH", "company"),
        ("Kommunale Datenverarbeitung AöR", "company"),
        ("Südwestfalen-IT AG", "company"),
        ("Lebenshilfe gGmbH", "company"),
        ("Heimatverein Sundern e.V.", "association"),
        ("Förderverein Bauhof", "association"),
        ("Zweckverband Wasser", "association"),
        ("Kreisstadt Arnsberg", "municipality"),
        ("Arnsberg und Sundern", "other"),
        ("Büro für Stadtentwicklung und Planung 2020", "other"),
        ("", "other"),
    ],
)
def test_guess_organisation_kind(name, kind):
    assert guess_organisation_kind(name) == kind


def test_ag_only_counts_as_a_whole_word():
    # "Tagungshaus" and "AGS" contain "ag"/"AG" but are no company names.
    assert guess_organisation_kind("Tagungshaus für Senioren") == "other"
    assert guess_organisation_kind("AGS-Verzeichnis Nord West Ost Süd Mitte") == "other"


def test_place_key_ignores_prefix_and_case():
    assert place_key("Stadt Arnsberg") == place_key("arnsberg") == "arnsberg"
    assert place_key("Gemeinde  Südberg") == "südberg"
    assert place_key("Stadtwerke Arnsberg") == "stadtwerke arnsberg"
