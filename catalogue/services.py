"""The use cases. Every write to the catalogue goes through one of these functions.

Services take the acting party explicitly (``actor``: "seed", "import", "user:anna", ...),
write the revision and the change-log row in the same transaction as the data, flush,
and never commit: the request or CLI command commits once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, func, select

from .extensions import db
from .models import (
    Change,
    Contact,
    FormStash,
    Keyword,
    LegalForm,
    Link,
    Organisation,
    Participation,
    Project,
    ProjectUpdate,
    Revision,
    SlugRedirect,
    utcnow,
)
from .schemas import CONTENT_FIELDS, Line, OrganisationInputSchema, ProjectOutputSchema
from .textutil import clean_line, keyword_key, slugify
from .writes import SaveResult, ServiceError, VersionConflict, begin_write

_MUNICIPAL_PREFIXES = ("stadt ", "gemeinde ", "markt ", "hansestadt ")
#: An organisation's facts, as its input schema defines them (name first).
ORGANISATION_FACTS = tuple(OrganisationInputSchema().fields)
#: The facts beside the name, which a profile's mention of an organisation may fill in.
_OTHER_FACTS = tuple(name for name in ORGANISATION_FACTS if name != "name")
#: Facts that are text columns: an unknown value is stored as "", not NULL.
_TEXT_FACTS = tuple(name for name, field in OrganisationInputSchema().fields.items() if isinstance(field, Line))


# ---------------------------------------------------------------- reading


def find_project(slug: str, *options) -> tuple[Project | None, bool]:
    """The project answering ``slug`` and whether the slug is an old one (redirect); ``options``
    (loader options) load what the caller will show along with it."""
    project = db.session.scalar(select(Project).where(Project.slug == slug).options(*options))
    if project is not None:
        return project, False
    redirect = db.session.get(SlugRedirect, slug)
    return (redirect.project, True) if redirect else (None, False)


def snapshot(project: Project) -> dict:
    """The profile's content in the project representation, without bookkeeping fields."""
    dumped = ProjectOutputSchema().dump(project)
    return {name: dumped[name] for name in CONTENT_FIELDS}


# ---------------------------------------------------------------- writing profiles


def save_project(data: dict, actor: str, status: str | None = None) -> SaveResult:
    """Create the profile or update the one with the same slug (import, seed)."""
    slug = data.get("slug") or slugify(data["title"])
    project, _ = find_project(slug)
    if project is None:
        return create_project({**data, "slug": slug}, actor, status=status)
    return update_project(project, {**data, "slug": project.slug}, actor, status=status)


def create_project(data: dict, actor: str, status: str | None = None) -> SaveResult:
    """Create a profile from validated input (``ProjectInputSchema``)."""
    begin_write()
    now = utcnow()
    project = Project(
        slug=_free_slug(data.get("slug") or slugify(data["title"]) or "projekt", _project_slug_taken),
        title=data["title"],
        status=status or data.get("status") or "draft",
        version=1,
        created_at=now,
        updated_at=now,
        content_changed_at=now,  # equal to created_at: the content is as first loaded
        # A new profile has no rows yet: said here, its collections count as loaded. Otherwise
        # the first lookup in _apply flushes the project, and replacing each collection then
        # loads it from the database first (five SELECTs per imported profile, a third of an import).
        keywords=[],
        participations=[],
        contacts=[],
        links=[],
        updates=[],
    )
    db.session.add(project)
    _apply(project, data)
    db.session.flush()
    _record(project, "create", actor, list(CONTENT_FIELDS), ProjectOutputSchema().dump(project))
    return SaveResult(project, "created")


def update_project(
    project: Project,
    data: dict,
    actor: str,
    status: str | None = None,
    expected_version: int | None = None,
) -> SaveResult:
    """Replace a profile's content with validated input; a save that changes nothing writes nothing."""

    def apply_input() -> None:
        new_slug = data.get("slug") or project.slug
        if new_slug != project.slug:
            _rename(project, new_slug)
        _apply(project, data)

    return _save(project, apply_input, actor, status or data.get("status"), expected_version)


def change_status(project: Project, status: str, actor: str, expected_version: int | None = None) -> SaveResult:
    """Publish, unpublish (draft) or archive a profile."""
    return _save(project, lambda: None, actor, status, expected_version)


def _save(project: Project, mutate, actor: str, status: str | None, expected_version: int | None) -> SaveResult:
    """The frame of every edit: lock, check the version, change, and log only real differences."""
    begin_write()
    db.session.refresh(project)  # the lock is ours now: compare against the committed state
    if expected_version is not None and expected_version != project.version:
        raise VersionConflict(project, expected_version)
    before = snapshot(project)
    old_status = project.status
    mutate()
    project.status = status or project.status
    db.session.flush()
    dumped = ProjectOutputSchema().dump(project)  # once: compared here, and kept as the revision
    changed = [name for name in CONTENT_FIELDS if before[name] != dumped[name]]
    if not changed:
        return SaveResult(project, "unchanged")
    project.version += 1
    project.updated_at = utcnow()
    if set(changed) - {"status"}:  # publishing, taking offline, archiving leave the content's date
        project.content_changed_at = project.updated_at
    db.session.flush()
    dumped.update(ProjectOutputSchema(only=("version", "updated_at")).dump(project))
    _record(project, _status_action(old_status, project.status) or "update", actor, changed, dumped)
    return SaveResult(project, "updated")


def seed_project(data: dict) -> SaveResult:
    """Load one seed record, unless an editor has changed that profile since it was seeded."""
    slug = data.get("slug") or slugify(data["title"])
    project, _ = find_project(slug)
    if project is not None:
        last_actor = db.session.scalar(
            select(Revision.actor).where(Revision.project_id == project.id).order_by(Revision.version.desc()).limit(1)
        )
        if last_actor not in (None, "seed"):
            return SaveResult(project, "skipped", f"seit dem Seed geändert von {last_actor}; nicht überschrieben")
    return save_project({**data, "slug": slug}, "seed")


def ensure_legal_form(name: str, description: str = "") -> LegalForm:
    """Add a legal form to the managed list (an existing one keeps its description if none is given)."""
    begin_write()
    legal_form = db.session.scalar(select(LegalForm).where(LegalForm.name == name))
    if legal_form is None:
        legal_form = LegalForm(name=name, description=description)
        db.session.add(legal_form)
    elif description and not legal_form.description:
        legal_form.description = description
    db.session.flush()
    return legal_form


# ---------------------------------------------------------------- internals


def _status_action(old: str, new: str) -> str | None:
    if old == new:
        return None
    if new == "published":
        return "publish"
    if new == "archived":
        return "delete"
    return "unpublish" if old == "published" else None


def _record(project: Project, action: str, actor: str, changed: list[str], dumped: dict) -> None:
    """Append the revision (``dumped``: the profile as written) and the change-log row for a write."""
    db.session.add(
        Revision(
            project_id=project.id,
            version=project.version,
            actor=actor,
            changed_fields=changed,
            snapshot=_json_safe(dumped),
        )
    )
    db.session.add(Change(project_id=project.id, action=action))
    db.session.flush()


def _json_safe(dumped: dict) -> dict:
    """Marshmallow dumps dates as strings already; this guards against anything else."""
    import json

    return json.loads(json.dumps(dumped, default=str))


def _free_slug(wanted: str, taken) -> str:
    """``wanted`` or ``wanted-2``, ``wanted-3``...: the first for which ``taken(slug)`` is false."""
    candidate, n = wanted, 1
    while taken(candidate):
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _slug_taken_by(model):
    """Whether a row of ``model`` (Organisation, Keyword) has this slug."""
    return lambda slug: db.session.scalar(select(model.id).where(model.slug == slug)) is not None


def _project_slug_taken(slug: str) -> bool:
    """A project's slug is taken by its owner and by every project that used to answer to it."""
    return find_project(slug)[0] is not None


def _rename(project: Project, new_slug: str) -> None:
    """Give the project a new slug; the old one keeps answering with a redirect."""
    owner, _ = find_project(new_slug)
    if owner is not None and owner.id != project.id:
        raise ServiceError(f"Die Adresse „{new_slug}“ gehört schon zu einem anderen Profil.")
    stale = db.session.get(SlugRedirect, new_slug)
    if stale is not None:
        db.session.delete(stale)
    db.session.add(SlugRedirect(old_slug=project.slug, project_id=project.id))
    project.slug = new_slug
    db.session.flush()


def _apply(project: Project, data: dict) -> None:
    """Write validated input onto the project (and its children), touching only what differs."""
    project.title = data["title"]
    for name in ("summary", "occasion", "goal", "implementation", "financing", "source_note"):
        setattr(project, name, data.get(name) or "")
    project.since_year = data.get("since_year")
    legal_form_name = data.get("legal_form") or ""
    project.legal_form = (
        db.session.scalar(select(LegalForm).where(LegalForm.name == legal_form_name)) if legal_form_name else None
    )
    project.keywords = [_keyword(name) for name in data.get("keywords", [])]
    _apply_participants(project, data.get("participants", []))
    _sync_rows(project.contacts, data.get("contacts", []), Contact, positioned=True)
    _sync_rows(project.links, data.get("links", []), Link, positioned=True)
    _sync_rows(project.updates, sorted(data.get("updates", []), key=_update_order), ProjectUpdate)


def _update_order(update: dict):
    return (update["date"], update["title"])


def _sync_rows(rows: list, items: list[dict], model, positioned: bool = False) -> None:
    """Make ``rows`` hold ``items``, updating rows in place so unchanged ones cause no writes."""
    for index, item in enumerate(items):
        values = {**item, **({"position": index} if positioned else {})}
        if index < len(rows):
            for key, value in values.items():
                if getattr(rows[index], key) != value:
                    setattr(rows[index], key, value)
        else:
            rows.append(model(**values))
    del rows[len(items) :]


def _apply_participants(project: Project, participants: list[dict]) -> None:
    """Link the profile to its organisations, reusing existing participation rows."""
    existing = {p.organisation_id: p for p in project.participations if p.organisation_id is not None}
    wanted: list[Participation] = []
    for position, item in enumerate(participants):
        organisation = find_or_create_organisation(item["organisation"])
        participation = existing.pop(organisation.id, None)
        if participation is None:
            # Added to the session at once: SQLAlchemy 2 does not cascade along backrefs, and the
            # next organisation lookup autoflushes.
            participation = Participation(project=project, organisation=organisation)
            db.session.add(participation)
        participation.role = item["role"]
        participation.position = position
        wanted.append(participation)
    project.participations = wanted


def organisation_name_key(name: str) -> str:
    """Name for matching: "Stadt Arnsberg" and "Arnsberg" are the same municipality."""
    key = clean_line(name).casefold()
    for prefix in _MUNICIPAL_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def find_or_create_organisation(data: dict) -> Organisation:
    """The organisation the input means (by AGS, then by name), created if new.

    Data given inside a profile only fills gaps of an existing organisation: a profile
    import must never overwrite facts that editors keep on the organisation itself.
    """
    organisation = None
    if data.get("ags"):
        organisation = db.session.scalar(select(Organisation).where(Organisation.ags == data["ags"]))
    if organisation is None:
        organisation = _find_organisation_by_name(data["name"], data.get("ags"))
    if organisation is None:
        organisation = Organisation(
            name=data["name"],
            name_key=organisation_name_key(data["name"]),
            slug=_free_slug(slugify(data["name"]) or "organisation", _slug_taken_by(Organisation)),
        )
        db.session.add(organisation)
        for name in _OTHER_FACTS:
            if data.get(name) not in (None, ""):
                setattr(organisation, name, data[name])
    else:
        fill_gaps(organisation, data)
    db.session.flush()
    return organisation


def _find_organisation_by_name(name: str, ags: str | None) -> Organisation | None:
    candidates = db.session.scalars(
        select(Organisation).where(Organisation.name_key == organisation_name_key(name))
    ).all()
    matches = [org for org in candidates if not ags or not org.ags or org.ags == ags]
    matches.sort(key=lambda org: org.name != name)  # an exact spelling wins
    return matches[0] if matches else None


def fill_gaps(organisation: Organisation, facts: dict) -> None:
    """Take over the ``facts`` the organisation lacks (an unknown kind is "other"); nothing it
    knows is overwritten. Its profiles are logged, so the feed and the search refresh them."""
    changed = False
    for name in _OTHER_FACTS:
        current = getattr(organisation, name)
        unset = current in (None, "") or (name == "kind" and current == "other")
        if unset and facts.get(name) not in (None, "", "other"):
            setattr(organisation, name, facts[name])
            changed = True
    if changed:
        organisation.updated_at = utcnow()
        db.session.flush()
        log_projects(_project_ids_of(organisation))


def _keyword(name: str) -> Keyword:
    """The keyword with this normalised key, created on first use."""
    key = keyword_key(name)
    keyword = db.session.scalar(select(Keyword).where(Keyword.key == key))
    if keyword is None:
        slug = _free_slug(slugify(name) or "stichwort", _slug_taken_by(Keyword))
        keyword = Keyword(name=clean_line(name), key=key, slug=slug)
        db.session.add(keyword)
        db.session.flush()
    return keyword


# ---------------------------------------------------------------- organisations


def save_organisation(data: dict, actor: str, organisation: Organisation | None = None) -> tuple[Organisation, str]:
    """Create an organisation, or replace the facts of ``organisation``, from validated
    ``OrganisationInputSchema`` input; returns it with "created", "updated" or "unchanged".

    Profiles it takes part in are logged as changed, because their representation (and
    search entry) includes the organisation.
    """
    begin_write()
    from .places.directory import get_place, register_loaded

    if data.get("place_key") and register_loaded() and get_place(data["place_key"], active_only=False) is None:
        raise ServiceError(f"Den Ort mit dem Schlüssel {data['place_key']} gibt es im Gemeindeverzeichnis nicht.")
    if data.get("ags"):
        owner = db.session.scalar(select(Organisation).where(Organisation.ags == data["ags"]))
        if owner is not None and owner is not organisation:
            raise ServiceError(f"Der AGS {data['ags']} gehört schon zu „{owner.name}“.")
    if organisation is None:
        twin = _find_organisation_by_name(data["name"], data.get("ags"))
        if twin is not None:
            raise ServiceError(f"Die Organisation „{twin.name}“ gibt es schon.")
        return find_or_create_organisation(data), "created"
    changed = False
    for name in ORGANISATION_FACTS:
        value = data.get(name)
        if value is None and name in _TEXT_FACTS:
            value = ""
        if getattr(organisation, name) != value:
            setattr(organisation, name, value)
            changed = True
    if not changed:
        return organisation, "unchanged"
    organisation.name_key = organisation_name_key(organisation.name)
    organisation.updated_at = utcnow()
    db.session.flush()
    log_projects(_project_ids_of(organisation))
    return organisation, "updated"


def log_projects(project_ids) -> None:
    """Log these profiles as updated, once each: something they show (an organisation's facts,
    a keyword's name) changed without a revision of their own; search and feed refresh them."""
    for project_id in sorted(set(project_ids)):
        db.session.add(Change(project_id=project_id, action="update"))
    db.session.flush()


def _project_ids_of(organisation: Organisation) -> list[int]:
    return list(
        db.session.scalars(select(Participation.project_id).where(Participation.organisation_id == organisation.id))
    )


# ---------------------------------------------------------------- input kept across an expired login


def keep_form_input(path: str, pairs: list, *, replaces: str | None, lifetime: dt.timedelta, keep_at_most: int) -> str:
    """Keep a form's posted fields (``[name, value]`` pairs) for the page at ``path``, under a new
    random id, which is returned (see admin/form_rescue.py). The stash it ``replaces``, those older
    than ``lifetime`` and the oldest beyond ``keep_at_most`` are removed first."""
    begin_write()
    if replaces:
        db.session.execute(delete(FormStash).where(FormStash.id == replaces))
    db.session.execute(delete(FormStash).where(FormStash.created_at < utcnow() - lifetime))
    surplus = (db.session.scalar(select(func.count()).select_from(FormStash)) or 0) - keep_at_most + 1
    if surplus > 0:
        oldest = select(FormStash.id).order_by(FormStash.created_at, FormStash.id).limit(surplus)
        db.session.execute(delete(FormStash).where(FormStash.id.in_(oldest.scalar_subquery())))
    stash = FormStash(id=secrets.token_urlsafe(32), path=path, data=pairs)
    db.session.add(stash)
    db.session.flush()
    return stash.id


def drop_form_input(stash_id: str) -> None:
    """Remove kept form input (it has been shown again)."""
    begin_write()
    db.session.execute(delete(FormStash).where(FormStash.id == stash_id))
