"""Resolving place names to keys: unique, ambiguous (with candidates) and unknown; imports use it."""

from __future__ import annotations

from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Organisation
from catalogue.places.directory import resolve_place, search_places
from catalogue.places.linking import link_participants


def test_a_unique_name_resolves_using_state_and_district(sample_register):
    assert resolve_place("Stadt Sundern (Sauerland)", state="DE-NW", kind="municipality").place.key == "05958044"
    # the bracketed addition of the register may be left out, and a record's own one too
    assert resolve_place("Sundern", kind="municipality").place.key == "05958044"
    assert (
        resolve_place(
            "Stadt Altena (Westf.)", state="DE-NW", district="Märkischer Kreis", kind="municipality"
        ).place.key
        == "05962004"
    )
    assert resolve_place("Kreis Coesfeld", state="DE-NW", kind="district").place.key == "05558"
    # "Landkreis Leipzig" is the district, not the district-free city
    assert resolve_place("Landkreis Leipzig", kind="district").place.key == "14729"
    assert resolve_place("Neustadt", state="DE-HE", kind="municipality").place.key == "06534016"


def test_an_ambiguous_name_gives_candidates_and_no_place(sample_register):
    resolution = resolve_place("Neustadt", kind="municipality")
    assert resolution.status == "ambiguous" and resolution.place is None
    assert len(resolution.candidates) >= 10
    assert {"06534016", "07138044", "12068324"} <= {p.key for p in resolution.candidates}
    # the state narrows it down, but Bavaria alone still has several
    bavaria = resolve_place("Neustadt", state="DE-BY", kind="municipality")
    assert bavaria.status == "ambiguous" and all(p.state_key == "09" for p in bavaria.candidates)


def test_an_unknown_name_is_unknown(sample_register):
    resolution = resolve_place("Atlantis", state="DE-NW", kind="municipality")
    assert (resolution.status, resolution.candidates) == ("unknown", [])
    # wrong district: Sundern is not in Kreis Coesfeld
    assert resolve_place("Sundern", district="Kreis Coesfeld", kind="municipality").status == "unknown"


def test_autocomplete_by_name_postcode_and_key(sample_register):
    assert [p.key for p in search_places("59846")] == ["05958044"]
    by_key = [p.key for p in search_places("0595804")]
    assert "05958044" in by_key and all(key.startswith("0595804") for key in by_key)
    neustadt = search_places("Neustadt", limit=30)
    assert len(neustadt) >= 10 and neustadt[0].key == "07316000"  # the most populous first
    assert search_places("") == [] and search_places("%") == []


def test_link_participants_sets_keys_and_reports_the_rest(sample_register):
    data = {
        "participants": [
            {"organisation": {"name": "Stadt Sundern (Sauerland)", "kind": "municipality", "state": "DE-NW"}},
            {"organisation": {"name": "Neustadt", "kind": "municipality"}},
            {"organisation": {"name": "Gemeinde Atlantis", "kind": "municipality", "state": "DE-NW"}},
            {"organisation": {"name": "Hochsauerlandkreis", "kind": "district"}},
            {"organisation": {"name": "Zweckverband X", "kind": "association"}},
        ]
    }
    messages = link_participants(data)
    organisations = [p["organisation"] for p in data["participants"]]
    assert organisations[0]["place_key"] == organisations[0]["ags"] == "05958044"
    assert organisations[3]["place_key"] == "05958" and "ags" not in organisations[3]
    assert "place_key" not in organisations[1] and "place_key" not in organisations[4]
    assert len(messages) == 2
    assert messages[0].startswith("Ort „Neustadt“ ist nicht eindeutig – Kandidaten: ")
    assert "Neustadt (Hessen), Stadt – " in messages[0] and "(06534016)" in messages[0]
    assert "„Gemeinde Atlantis“ steht nicht im Gemeindeverzeichnis (DE-NW)" in messages[1]


def test_csv_import_resolves_names_and_reports_ambiguous_ones(runner, sample_register, tmp_path):
    path = tmp_path / "profile.csv"
    path.write_text(
        "title,summary,lead,partners,state\n"
        "Gemeinsamer Bauhof Sauerland,Zwei Städte teilen einen Bauhof.,Stadt Sundern (Sauerland),Stadt Arnsberg,DE-NW\n"
        "Standesamt Neustadt,Ein gemeinsames Standesamt.,Stadt Neustadt,Gemeinde Atlantis,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "HINWEIS [2/2]" in result.output and "Ort „Stadt Neustadt“ ist nicht eindeutig" in result.output
    assert "Ort „Gemeinde Atlantis“ steht nicht im Gemeindeverzeichnis" in result.output
    keys = dict(db.session.execute(select(Organisation.name, Organisation.place_key)).all())
    assert keys["Stadt Sundern (Sauerland)"] == "05958044" and keys["Stadt Arnsberg"] == "05958004"
    assert keys["Stadt Neustadt"] is None and keys["Gemeinde Atlantis"] is None
