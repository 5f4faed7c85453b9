"""Loading the register: the shipped file, an official XLSX, repeated, changed and bad files."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Organisation
from catalogue.places.models import Place

from .conftest import SAMPLE


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Place))


def test_shipped_register_loads_every_place_with_its_facts(runner):
    result = runner.invoke(args=["places", "load"])
    assert result.exit_code == 0, result.output
    assert "12660 im Verzeichnis – 12660 neu, 0 geändert, 0 nicht mehr enthalten" in result.output
    assert "12660/12660 Orte abgeglichen" in result.output  # progress
    kinds = dict(db.session.execute(select(Place.kind, func.count()).group_by(Place.kind)).all())
    assert kinds == {
        "state": 16,
        "government_district": 29,
        "district": 401,
        "association": 1210,
        "municipality": 11004,
    }
    sundern = db.session.get(Place, "05958044")
    assert (sundern.name, sundern.designation, sundern.postcode) == ("Sundern (Sauerland)", "Stadt", "59846")
    assert (sundern.population, sundern.area_km2) == (27725, 193.27)
    assert sundern.population_source == "Destatis GV-ISys (Ausgabe vor 2021)"
    assert (sundern.latitude, sundern.longitude) == (51.330125, 8.005553)
    assert (sundern.parent_key, sundern.district_key, sundern.state_code) == ("05958", "05958", "DE-NW")
    district = db.session.get(Place, "05958")
    assert (district.kind, district.designation, district.label) == ("district", "Kreis", "Hochsauerlandkreis")
    assert district.population_source == "Destatis GV-ISys (Ausgabe vor 2021), Summe der Gemeinden"
    assert db.session.get(Place, "14729").label == "Landkreis Leipzig"
    # A municipality inside an association has the association as its parent.
    belgershain = db.session.get(Place, "14729020")
    association = db.session.get(Place, "147295307")
    assert belgershain.parent_key == belgershain.association_key == association.key
    assert (association.kind, association.parent_key) == ("association", "14729")
    # Loading the same file again changes nothing.
    again = runner.invoke(args=["places", "load"])
    assert again.exit_code == 0, again.output
    assert "0 neu, 0 geändert, 0 nicht mehr enthalten" in again.output


def test_changed_and_vanished_places_are_reported_and_organisations_left_alone(runner, sample_register, tmp_path):
    assert sample_register.total == _count() > 100
    db.session.add(
        Organisation(
            name="Stadt Sundern (Sauerland)",
            name_key="sundern (sauerland)",
            slug="stadt-sundern",
            kind="municipality",
            ags="05958044",
            place_key="05958044",
            population=27741,
        )
    )
    db.session.commit()
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    changed = []
    for row in rows:
        if row[7].startswith("Arnsberg, Stadt") and row[0] == "60":
            row[9] = "74 000"
        if row[0] == "60" and row[7].startswith("Sundern"):
            continue  # vanished, as after a merger
        changed.append(row)
    path = tmp_path / "neuer-auszug.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(changed)
    result = runner.invoke(args=["places", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 neu, " in result.output and "1 nicht mehr enthalten" in result.output
    assert "geändert: " in result.output and "Arnsberg (05958004)" in result.output
    assert "nicht mehr enthalten: Sundern (Sauerland) (05958044)" in result.output
    assert "WARNUNG Organisation „Stadt Sundern (Sauerland)“ (stadt-sundern) verweist auf 05958044" in result.output
    db.session.expire_all()
    assert db.session.get(Place, "05958044").active is False
    assert db.session.get(Place, "05958004").population_source == "Destatis GV-ISys (neuer-auszug.csv)"
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.place_key, organisation.population) == ("05958044", 27741)


def test_official_xlsx_extract_loads_like_the_csv(runner, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Deckblatt"
    workbook.active.append(["Gemeindeverzeichnis-Informationssystem GV-ISys"])
    sheet = workbook.create_sheet("Onlineprodukt_Gemeinden")
    sheet.append(["Satz-art", "Text-kenn-zeichen", "Amtlicher Regionalschlüssel (ARS)"])
    sheet.append(["", "", "Land", "RB", "Kreis", "VB", "Gem", "Gemeindename", "Fläche km2"])
    sheet.append(["1", "2", "3", "4", "5", "6", "7", "8", "9"])
    sheet.append(["10", None, "05", None, None, None, None, "Nordrhein-Westfalen"])
    sheet.append(["40", "43", "05", "9", "58", None, None, "Hochsauerlandkreis"])
    sheet.append(
        [
            "60",
            "63",
            "05",
            "9",
            "58",
            "0044",
            "044",
            "Sundern (Sauerland), Stadt",
            193.27,
            27725,
            13906,
            13819,
            143,
            "59846",
            "8,005553",
            "51,330125",
        ]
    )
    path = tmp_path / "AuszugGV4QAktuell.xlsx"
    workbook.save(path)
    result = runner.invoke(
        args=["places", "load", str(path), "--population-source", "Destatis GV-ISys, Stand 31.12.2020"]
    )
    assert result.exit_code == 0, result.output
    assert "3 im Verzeichnis – 3 neu" in result.output
    sundern = db.session.get(Place, "05958044")
    assert (sundern.population, sundern.area_km2, sundern.latitude) == (27725, 193.27, 51.330125)
    assert sundern.population_source == "Destatis GV-ISys, Stand 31.12.2020"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_files_load_nothing(runner, tmp_path):
    header = ",".join(
        [
            "satzart",
            "textkennzeichen",
            "land",
            "rb",
            "kreis",
            "vb",
            "gemeinde",
            "gemeindename",
            "flaeche",
            "bevoelkerung",
            "postleitzahl",
            "laengengrad",
            "breitengrad",
        ]
    )
    cases = {
        "fehlt.csv": None,
        "spalten.csv": "satzart,land,name\n60,05,Sundern\n",
        "koordinate.csv": header + '\n60,63,05,9,58,0044,044,Sundern,193.27,27 725,59846,"80,1","51,3"\n',
        "zahl.csv": header + '\n60,63,05,9,58,0044,044,Sundern,viel,27 725,59846,"8,0","51,3"\n',
        "leer.csv": header + "\n",
        "kaputt.xlsx": "kein Arbeitsblatt",
        "binär.csv": None,
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            _write(path, text)
        elif name == "binär.csv":
            path.write_bytes(b"\xff\xfe\x00\x81")
        result = runner.invoke(args=["places", "load", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert "FEHLER" in result.output and "nichts geladen" in result.output, (name, result.output)
        assert _count() == 0, name
