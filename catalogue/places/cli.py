"""``flask --app catalogue places load [FILE]``: load the register of places."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .loading import SHIPPED_POPULATION_SOURCE, load_places, parse_register
from .register_file import RegisterFileError, read_register

places_cli = AppGroup("places", help="Verzeichnis der Gemeinden, Gemeindeverbände und Kreise.")
#: how many new, changed or vanished places the report lists by name
LISTED = 20


def shipped_register() -> Path:
    """The register shipped with the catalogue (data/places/gemeindeverzeichnis.csv)."""
    return Path(current_app.config["PLACES_DIR"]) / "gemeindeverzeichnis.csv"


@places_cli.command("load")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--population-source",
    default=None,
    help="Quellenangabe der Einwohnerzahlen, z. B. „Destatis GV-ISys, Stand 31.12.2024“ "
    "(Standard für die mitgelieferte Datei: „Destatis GV-ISys (Ausgabe vor 2021)“).",
)
def load_command(file: Path | None, population_source: str | None) -> None:
    """Load the shipped register, or an official Destatis extract (CSV or XLSX); idempotent."""
    path = file or shipped_register()
    if population_source is None:
        population_source = SHIPPED_POPULATION_SOURCE if file is None else f"Destatis GV-ISys ({path.name})"
    click.echo(f"Lese {path} …")
    try:
        places = parse_register(read_register(path), population_source)
    except RegisterFileError as error:
        click.echo(f"FEHLER {error} – nichts geladen.", err=True)
        sys.exit(1)
    if not any(values["kind"] == "municipality" for values in places.values()):
        click.echo(f"FEHLER {path}: keine Gemeinden (Satzart 60) – nichts geladen.", err=True)
        sys.exit(1)
    report = load_places(places, lambda done, total: click.echo(f"  {done}/{total} Orte abgeglichen"), path.name)
    db.session.commit()
    click.echo(
        f"Orte: {report.total} im Verzeichnis – {len(report.new)} neu, {len(report.changed)} geändert, "
        f"{len(report.vanished)} nicht mehr enthalten."
    )
    for title, entries in (
        ("neu", report.new),
        ("geändert", report.changed),
        ("nicht mehr enthalten", report.vanished),
    ):
        if entries and (len(entries) < report.total or title != "neu"):
            shown = ", ".join(f"{name} ({key})" for key, name in entries[:LISTED])
            more = f" und {len(entries) - LISTED} weitere" if len(entries) > LISTED else ""
            click.echo(f"  {title}: {shown}{more}")
    for slug, name, key in report.orphaned_organisations:
        click.echo(
            f"WARNUNG Organisation „{name}“ ({slug}) verweist auf {key}, das nicht (mehr) im Verzeichnis "
            "steht; sie bleibt unverändert – bitte in der Redaktion prüfen."
        )
