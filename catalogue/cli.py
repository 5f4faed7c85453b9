"""Command-line interface: ``flask --app catalogue seed | import | export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .importing import RawRecord, ReadError, read_file, validate_record
from .models import Keyword, Project
from .places.linking import link_participants
from .schemas import ProjectOutputSchema
from .services import ensure_legal_form, find_project, save_project, seed_project, snapshot
from .textutil import slugify
from .writes import ServiceError

ACTION_LABELS = {
    "created": "angelegt",
    "updated": "aktualisiert",
    "unchanged": "unverändert",
    "skipped": "übersprungen",
}


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_command)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(revoke_token_command)


def _fail(message: str) -> None:
    click.echo(f"FEHLER {message}", err=True)


def _where(record: RawRecord, field: str | None = None) -> str:
    return f"{record.source}, {record.location}" + (f", Feld {field}" if field else "")


# ---------------------------------------------------------------- seed


@click.command("seed")
@click.option(
    "--dir",
    "seed_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ordner mit legal_forms.yaml und projects/*.yaml (Standard: data/seed).",
)
def seed_command(seed_dir: Path | None) -> None:
    """Load the seed records; idempotent, never overwrites profiles edited since."""
    seed_dir = seed_dir or Path(current_app.config["SEED_DIR"])
    files = sorted((seed_dir / "projects").glob("*.yaml"))
    try:
        _load_legal_forms(seed_dir / "legal_forms.yaml")
        records = [record for path in files for record in read_file(path)]
    except ReadError as error:
        db.session.rollback()
        _fail(f"{error} – nichts geladen.")
        sys.exit(1)
    # Validate everything before the first write: a broken seed loads nothing.
    validated = []
    for record in records:
        data, errors = validate_record(record)
        for field, message in errors:
            _fail(f"{_where(record, field)}: {message}")
        validated.append((record, data))
    if any(data is None for _, data in validated):
        db.session.rollback()
        _fail("Seed-Daten fehlerhaft – nichts geladen.")
        sys.exit(1)
    counts: dict[str, int] = {}
    for _record, data in validated:
        result = seed_project({**data, "status": data.get("status") or "published"})
        counts[result.action] = counts.get(result.action, 0) + 1
        if result.action != "unchanged":
            click.echo(
                f"{ACTION_LABELS[result.action]}: {result.project.slug}"
                + (f" ({result.message})" if result.message else "")
            )
    db.session.commit()
    summary = ", ".join(f"{n} {ACTION_LABELS[action]}" for action, n in sorted(counts.items()))
    click.echo(f"Seed: {len(validated)} Profile geprüft – {summary or 'nichts zu tun'}.")


def _load_legal_forms(path: Path) -> None:
    """Add the managed list of legal forms (flushed, committed with the seed)."""
    if not path.exists():
        return
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise ReadError(str(path), None, f"kein gültiges YAML ({error})")
    for number, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ReadError(str(path), f"Eintrag {number}", "Feld name fehlt")
        ensure_legal_form(name.strip(), str(entry.get("description") or "").strip())


# ---------------------------------------------------------------- import


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--status",
    type=click.Choice(["draft", "published"]),
    default="published",
    show_default=True,
    help="Status der angelegten oder aktualisierten Profile.",
)
@click.option("--dry-run", is_flag=True, help="Nur prüfen, nichts speichern.")
def import_command(files: tuple[Path, ...], status: str, dry_run: bool) -> None:
    """Import profiles from text records (.txt), CSV or JSON; creates or updates by slug."""
    records: list[RawRecord] = []
    failures = 0
    known_keywords = db.session.scalars(select(Keyword.name)).all()
    for path in files:
        try:
            records.extend(read_file(path, known_keywords))
        except ReadError as error:
            _fail(str(error))
            failures += 1
    total = len(records)
    for number, record in enumerate(records, start=1):
        progress = f"[{number}/{total}] "
        data, errors = validate_record(_over_current_profile(record))
        if errors:
            failures += 1
            for field, message in errors:
                _fail(f"{progress}{_where(record, field)}: {message} – Datensatz nicht importiert.")
            continue
        for message in link_participants(data):  # place keys from the register (catalogue/places)
            click.echo(f"HINWEIS {progress}{_where(record)}: {message}", err=True)
        try:
            with db.session.begin_nested():  # a failing record leaves nothing behind
                result = save_project(data, "import", status=status)
        except (ServiceError, SQLAlchemyError) as error:
            failures += 1
            _fail(f"{progress}{_where(record)}: {error} – Datensatz nicht importiert.")
            continue
        verb = ACTION_LABELS[result.action]
        click.echo(f"{progress}{verb}: {result.project.slug} ({_where(record)})")
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Probelauf: {total - failures if failures <= total else 0} von {total} Datensätzen gültig; nichts gespeichert."
        )
    else:
        db.session.commit()
        click.echo(f"Import: {total} Datensätze gelesen, {failures} Fehler.")
    if failures:
        sys.exit(1)


def _over_current_profile(record: RawRecord) -> RawRecord:
    """Lay the record over the stored profile with the same slug.

    Text records and CSV rows cannot carry every field (news items, further contacts), so a
    field the record does not mention keeps its stored value instead of being wiped.
    """
    title = record.data.get("title")
    slug = record.data.get("slug") or (slugify(title) if isinstance(title, str) else "")
    existing, _ = find_project(slug) if isinstance(slug, str) and slug else (None, False)
    if existing is None:
        return record
    return RawRecord(record.source, record.location, {**snapshot(existing), **record.data, "slug": existing.slug})


# ---------------------------------------------------------------- export


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Zieldatei (Standard: Standardausgabe).",
)
def export_command(fmt: str, output: Path | None) -> None:
    """Write every published profile as JSON or CSV."""
    from .importing.csv_format import write_csv
    from .importing.json_format import write_json

    projects = db.session.scalars(select(Project).where(Project.status == "published").order_by(Project.slug)).all()
    dumped = ProjectOutputSchema(many=True).dump(projects)
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        (write_json if fmt == "json" else write_csv)(dumped, stream)
    finally:
        if output:
            stream.close()
    if output:
        click.echo(f"{len(dumped)} Profile nach {output} exportiert.", err=True)


# ---------------------------------------------------------------- accounts


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "editor"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Passwort von der Standardeingabe lesen (für Skripte).")
@click.option("--display-name", default="", help="Angezeigter Name.")
@click.option("--email", default="", help="Dienstliche E-Mail-Adresse.")
def create_user_command(username: str, role: str, password_stdin: bool, display_name: str, email: str) -> None:
    """Create an account (the first administrator, typically)."""
    from .accounts import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")
    try:
        user = create_user(username, password, role, "cli", display_name=display_name, email=email)
    except ServiceError as error:
        db.session.rollback()
        _fail(str(error))
        sys.exit(1)
    db.session.commit()
    click.echo(f"Benutzer {user.username} ({user.role}) angelegt.")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="Wofür das Token ist, z. B. „Landesportal NRW“.")
def create_token_command(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it once."""
    from .accounts import create_api_token, find_user

    user = find_user(username)
    if user is None or not user.active:
        _fail(f"Kein aktiver Benutzer „{username}“.")
        sys.exit(1)
    try:
        token, plaintext = create_api_token(user, name, "cli")
    except ServiceError as error:
        db.session.rollback()
        _fail(str(error))
        sys.exit(1)
    db.session.commit()
    click.echo(plaintext)
    click.echo(
        f"Token {token.prefix}… für {user.username} ({user.role}) angelegt. Es wird nur jetzt angezeigt.", err=True
    )


@click.command("revoke-token")
@click.argument("token")
def revoke_token_command(token: str) -> None:
    """Revoke an API token, named by its id, its shown prefix or the whole token."""
    from .accounts import find_tokens, revoke_api_token, user_for_token

    found = user_for_token(token)
    matches = [found[1]] if found else find_tokens(token)
    if len(matches) != 1:
        _fail("Kein eindeutiges Token gefunden." if not matches else "Mehrere Tokens passen; bitte die Nummer angeben.")
        sys.exit(1)
    revoke_api_token(matches[0], "cli")
    db.session.commit()
    click.echo(f"Token {matches[0].prefix}… widerrufen.")
