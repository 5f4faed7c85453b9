"""JSON and YAML files in the project representation (import, seed) and the JSON export."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO

import yaml

from .records import RawRecord, ReadError


def records_from_document(document, source: str) -> list[RawRecord]:
    """Records of a parsed document: one project object, a list of them, or {"projects": [...]}."""
    if isinstance(document, dict) and isinstance(document.get("projects"), list):
        items = document["projects"]
    elif isinstance(document, dict):
        items = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise ReadError(source, None, "Erwartet wird ein Projekt-Objekt oder eine Liste von Projekten.")
    records = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ReadError(source, f"Datensatz {number}", "Ein Projekt muss ein Objekt mit Feldern sein.")
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        location = f"Datensatz {number}" + (f" („{title[:60]}“)" if title else "")
        records.append(RawRecord(source, location, item))
    return records


def read_json_records(text: str, source: str) -> list[RawRecord]:
    """Projects from a JSON file."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadError(source, f"Zeile {error.lineno}, Spalte {error.colno}", f"kein gültiges JSON ({error.msg})")
    return records_from_document(document, source)


def read_yaml_records(text: str, source: str) -> list[RawRecord]:
    """Projects from a YAML file (the seed files)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"Zeile {mark.line + 1}" if mark else None
        raise ReadError(source, where, f"kein gültiges YAML ({getattr(error, 'problem', error)})")
    # YAML turns unquoted dates into date objects; the schemas expect the ISO text.
    return records_from_document(_dates_to_text(document), source)


def _dates_to_text(value):
    if isinstance(value, dict):
        return {key: _dates_to_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def write_json(projects: list[dict], stream: IO[str]) -> None:
    """Write dumped projects as one JSON document that ``read_json_records`` reads back."""
    json.dump({"count": len(projects), "projects": projects}, stream, ensure_ascii=False, indent=2)
    stream.write("\n")
