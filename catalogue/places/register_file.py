"""Reading a Destatis GV-ISys extract (the official CSV or XLSX, or the shipped reduced CSV).

All three have the same columns in the same order (the XLSX under several header rows), so they
are read into one shape: a dict per row with the CSV's column names, values as text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

#: every column of the extract, in the official order
ALL_COLUMNS = (
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
    "maennlich",
    "weiblich",
    "jekm2",
    "postleitzahl",
    "laengengrad",
    "breitengrad",
    "schluessel",
    "bezeichnung",
    "verstaedterungschluessel",
    "verstaedterungbezeichnung",
)
#: the columns the catalogue uses (and ships)
KEPT_COLUMNS = (
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
)
RECORD_TYPES = {"10", "20", "30", "40", "50", "60"}


class RegisterFileError(Exception):
    """The file is not a GV-ISys extract (message in German, for the command line)."""


def read_register(path: Path) -> list[dict[str, str]]:
    """Every record of the extract; raises RegisterFileError for anything else."""
    if not path.is_file():
        raise RegisterFileError(f"{path}: Datei nicht gefunden")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    else:
        rows = _csv_rows(path)
    if not rows:
        raise RegisterFileError(f"{path}: keine Datensätze des Gemeindeverzeichnisses (Satzart 10–60) gefunden")
    return rows


def _csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterFileError(f"{path}: keine UTF-8-Textdatei")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [column for column in KEPT_COLUMNS if column not in header]
    if missing:
        raise RegisterFileError(f"{path}: Spalten fehlen: {', '.join(missing)}")
    positions = {column: header.index(column) for column in KEPT_COLUMNS}
    rows = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            raise RegisterFileError(f"{path}, Zeile {line_number}: {len(cells)} statt {len(header)} Spalten")
        row = {column: cells[index].strip() for column, index in positions.items()}
        row["line"] = str(line_number)
        rows.append(row)
    return rows


def _xlsx_rows(path: Path) -> list[dict[str, str]]:
    """The official XLSX: header rows first, then one record per row in the CSV's column order."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError) as error:
        raise RegisterFileError(f"{path}: keine lesbare XLSX-Datei ({error})")
    try:
        # The data sheet is the one whose rows start with record types; the first sheet is a title page.
        for sheet in workbook.worksheets:
            rows = []
            for line_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(value) for value in values[: len(ALL_COLUMNS)]]
                if not cells or cells[0] not in RECORD_TYPES:
                    continue
                cells += [""] * (len(ALL_COLUMNS) - len(cells))
                row = {column: cells[ALL_COLUMNS.index(column)] for column in KEPT_COLUMNS}
                row["line"] = str(line_number)
                rows.append(row)
            if rows:
                return rows
        return []
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
