"""Reading project records from files (text record format, CSV, JSON, YAML) and validating them.

Readers only map bytes to the project representation; ``validate_record`` applies the one
schema that every input goes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from marshmallow import ValidationError

from ..schemas import ProjectInputSchema, flatten_errors
from .records import RawRecord, ReadError

__all__ = ["RawRecord", "ReadError", "read_file", "validate_record"]


def read_file(path: str | Path, known_keywords: Iterable[str] = ()) -> list[RawRecord]:
    """All records of a file, by its format (from the extension, else sniffed from the content).

    ``known_keywords`` help the text record format, whose keyword lists may be space-separated.
    """
    from .csv_format import read_csv_records
    from .json_format import read_json_records, read_yaml_records
    from .text_record import read_text_records

    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ReadError(source, None, f"Datei nicht lesbar ({error.strerror})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(source, f"Byte {error.start}", "Datei ist nicht UTF-8-kodiert")
    if "\x00" in text:
        raise ReadError(source, None, "Datei enthält Binärdaten, keinen Text")
    suffix = Path(path).suffix.lower()
    stripped = text.lstrip()
    if suffix == ".json" or (suffix not in (".csv", ".txt", ".yaml", ".yml") and stripped[:1] in "[{"):
        return read_json_records(text, source)
    if suffix in (".yaml", ".yml"):
        return read_yaml_records(text, source)
    if suffix == ".csv":
        return read_csv_records(text, source)
    return read_text_records(text, source, known_keywords)


def validate_record(record: RawRecord) -> tuple[dict | None, list[tuple[str, str]]]:
    """Load a record with the project schema: (data, []) or (None, [(field, message), ...])."""
    try:
        return ProjectInputSchema().load(record.data), []
    except ValidationError as error:
        return None, flatten_errors(error.messages)
