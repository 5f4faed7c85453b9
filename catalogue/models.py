"""The catalogue's tables. The database is the source of truth; the search index derives from it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import db
from .i18n import N_

PROJECT_STATUSES = ("draft", "published", "archived")
PARTICIPANT_ROLES = ("lead", "partner")
ORGANISATION_KINDS = (
    "municipality",
    "district",
    "municipal_association",
    "state_authority",
    "association",
    "company",
    "other",
)
#: ISO 3166-2 codes of the sixteen German states.
STATES = {
    "DE-BW": N_("Baden-Württemberg"),
    "DE-BY": N_("Bayern"),
    "DE-BE": N_("Berlin"),
    "DE-BB": N_("Brandenburg"),
    "DE-HB": N_("Bremen"),
    "DE-HH": N_("Hamburg"),
    "DE-HE": N_("Hessen"),
    "DE-MV": N_("Mecklenburg-Vorpommern"),
    "DE-NI": N_("Niedersachsen"),
    "DE-NW": N_("Nordrhein-Westfalen"),
    "DE-RP": N_("Rheinland-Pfalz"),
    "DE-SL": N_("Saarland"),
    "DE-SN": N_("Sachsen"),
    "DE-ST": N_("Sachsen-Anhalt"),
    "DE-SH": N_("Schleswig-Holstein"),
    "DE-TH": N_("Thüringen"),
}


def utcnow() -> dt.datetime:
    """Timezone-aware now, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always UTC-aware in Python, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


project_keywords = db.Table(
    "project_keywords",
    db.Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    db.Column("keyword_id", ForeignKey("keywords.id", ondelete="CASCADE"), primary_key=True),
)


class LegalForm(db.Model):
    """An entry of the managed list of legal forms (Rechtsformen)."""

    __tablename__ = "legal_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: display name, unique, e.g. "öffentlich-rechtliche Vereinbarung"
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: one sentence for readers who do not know the term
    description: Mapped[str] = mapped_column(Text, default="")


class Keyword(db.Model):
    """A Stichwort. ``key`` makes "Klima" and "klima " the same keyword."""

    __tablename__ = "keywords"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the form shown to readers (first spelling seen)
    name: Mapped[str] = mapped_column(String(80))
    #: normalised comparison key (trimmed, single spaces, casefolded)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    #: URL part of the keyword page
    slug: Mapped[str] = mapped_column(String(100), unique=True)

    projects: Mapped[list[Project]] = relationship(secondary=project_keywords, back_populates="keywords")


class Organisation(db.Model):
    """A partner: municipality, district, authority, association, company..."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("ags IS NULL OR length(ags) = 8", name="ags_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: matching key (see services.organisation_name_key): "Stadt Arnsberg" ~ "Arnsberg"
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    #: Amtlicher Gemeindeschlüssel, 8 digits; unique when present
    ags: Mapped[str | None] = mapped_column(String(8), unique=True)
    #: ISO 3166-2 code, e.g. DE-NW
    state: Mapped[str | None] = mapped_column(String(5), index=True)
    #: Kreis / Landkreis
    district: Mapped[str] = mapped_column(String(200), default="")
    #: Regierungsbezirk
    administrative_region: Mapped[str] = mapped_column(String(200), default="")
    population: Mapped[int | None] = mapped_column(Integer)
    population_date: Mapped[dt.date | None] = mapped_column(Date)
    population_source: Mapped[str] = mapped_column(String(200), default="")
    area_km2: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str] = mapped_column(String(500), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: key of its place in the register (catalogue/places): AGS of a municipality, 9 digits for a
    #: municipal association, 5 for a district. No foreign key: the register is reloaded on its own
    #: schedule, and an organisation keeps its key when its place vanishes (the load reports it).
    place_key: Mapped[str | None] = mapped_column(String(12), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    participations: Mapped[list[Participation]] = relationship(back_populates="organisation")
    place: Mapped[Place | None] = relationship(
        "Place", primaryjoin="foreign(Organisation.place_key) == Place.key", viewonly=True, lazy="select"
    )

    @property
    def state_name(self) -> str:
        """Readable name of the state."""
        return STATES.get(self.state or "", "")


class Project(db.Model):
    """A cooperation profile."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
        # The public list's default order (published, by title): a page is an index range scan.
        Index("ix_projects_status_title", "status", "title", "id"),
        # Newest first (/projekte?sort=neueste, the start page): the same, backwards.
        Index("ix_projects_status_changed", "status", "content_changed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: current URL slug; old slugs live in SlugRedirect
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: short teaser for lists
    summary: Mapped[str] = mapped_column(Text, default="")
    occasion: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    implementation: Mapped[str] = mapped_column(Text, default="")
    financing: Mapped[str] = mapped_column(Text, default="")
    legal_form_id: Mapped[int | None] = mapped_column(ForeignKey("legal_forms.id"), index=True)
    #: Zusammenarbeit seit
    since_year: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: Quelle: where the facts come from
    source_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: when the content last changed: ``updated_at`` also moves when a profile is only published,
    #: taken offline or archived, this does not (services._save). The date readers see: the profile
    #: page, the list's order "neueste", the search's, JSON-LD's dateModified. Equal to
    #: ``created_at`` while the content is as first loaded.
    content_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: increases by one with every change of content or status (optimistic concurrency)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: when an editor without the right to publish asked for review (None: no open request)
    review_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: who asked for review ("user:<name>"), empty when no request is open
    review_requested_by: Mapped[str] = mapped_column(String(120), default="")

    legal_form: Mapped[LegalForm | None] = relationship()
    participations: Mapped[list[Participation]] = relationship(
        back_populates="project",
        order_by="Participation.position",
        cascade="all, delete-orphan",
    )
    keywords: Mapped[list[Keyword]] = relationship(
        secondary=project_keywords, back_populates="projects", order_by="Keyword.name"
    )
    contacts: Mapped[list[Contact]] = relationship(order_by="Contact.position", cascade="all, delete-orphan")
    links: Mapped[list[Link]] = relationship(order_by="Link.position", cascade="all, delete-orphan")
    updates: Mapped[list[ProjectUpdate]] = relationship(
        order_by="ProjectUpdate.date.desc()", cascade="all, delete-orphan"
    )

    @property
    def lead(self) -> Organisation | None:
        """The lead organisation (Hauptverantwortlich), if the profile names one."""
        for participation in self.participations:
            if participation.role == "lead":
                return participation.organisation
        return None

    @property
    def partners(self) -> list[Organisation]:
        """Participating organisations other than the lead."""
        return [p.organisation for p in self.participations if p.role != "lead"]

    @property
    def is_public(self) -> bool:
        """Only published profiles are visible to the public."""
        return self.status == "published"


class SlugRedirect(db.Model):
    """An old slug of a renamed project: answers with a 301 to the current one."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)

    project: Mapped[Project] = relationship()


class Participation(db.Model):
    """An organisation's part in a project: lead or partner."""

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("project_id", "organisation_id", name="uq_participations_project_org"),
        CheckConstraint("role IN ('lead', 'partner')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="partner")
    #: order in which the profile lists its participants
    position: Mapped[int] = mapped_column(Integer, default=0)

    project: Mapped[Project] = relationship(back_populates="participations")
    organisation: Mapped[Organisation] = relationship(back_populates="participations")


class Contact(db.Model):
    """A contact of a project, as entered by the editor (public municipal contact data)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: role or person, exactly as the editor entered it
    role: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")


class Link(db.Model):
    """A link of a project; the URL may be empty where the source gave only a title."""

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000), default="")


class ProjectUpdate(db.Model):
    """A news item of a project (Neuigkeit), dated as precisely as its source."""

    __tablename__ = "project_updates"
    __table_args__ = (CheckConstraint("date_precision IN ('year', 'month', 'day')", name="precision_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: first day of the period the source names
    date: Mapped[dt.date] = mapped_column(Date)
    #: year, month or day: how much of ``date`` the source actually states
    date_precision: Mapped[str] = mapped_column(String(5), default="day")
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(1000), default="")
    source_note: Mapped[str] = mapped_column(String(500), default="")


class Revision(db.Model):
    """Append-only history of a profile: one row per save that changed something."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: the project's version after this save
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who saved: "seed", "import", "user:<name>", ...
    actor: Mapped[str] = mapped_column(String(120))
    #: names of the fields that differ from the previous revision
    changed_fields: Mapped[list] = mapped_column(JSON, default=list)
    #: the full profile after the save, in the project representation
    snapshot: Mapped[dict] = mapped_column(JSON)


class Change(db.Model):
    """The change log: one row per write, in commit order. Search and API follow it by ``seq``."""

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'publish', 'unpublish', 'delete')", name="action_known"),
    )

    #: monotonically increasing cursor; writes are serialised so commits arrive in seq order
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: what kind of write the row stands for (see the constraint; consumed by search and the API feed)
    action: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def change_identity(session, seq: int) -> str:
    """Identity of change ``seq`` as stored now ("" when there is none): after a reset database
    or a restored backup the same number names another write, and this differs. The search
    index stores it with the seq it applied; the API feed gives followers a digest of it."""
    row = session.execute(select(Change.seq, Change.project_id, Change.created_at).where(Change.seq == seq)).first()
    return identity_of(row) if row else ""


def identity_of(change) -> str:
    """``change_identity`` of a change row already read (a ``Change`` or a row of its columns)."""
    return f"{change.seq}:{change.project_id}:{change.created_at.isoformat()}"


def latest_change_seq() -> int:
    """Highest sequence number in the change log (0 when empty); cheap: the primary key index."""
    return db.session.scalar(select(func.max(Change.seq))) or 0


USER_ROLES = ("admin", "editor")


class User(db.Model):
    """An editor or administrator. Passwords are stored only as salted hashes (scrypt unless PASSWORD_HASH_METHOD says otherwise)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default="editor")
    #: deactivated users cannot log in and their tokens stop working
    active: Mapped[bool] = mapped_column(default=True)
    #: False: the editor may only submit profiles for review; an administrator publishes
    can_publish: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: sessions carry the generation they were started in; raising it (logout, password change,
    #: deactivation, "log out everywhere") ends every session of the user on every worker
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """How revisions and the audit log name this user."""
        return f"user:{self.username}"


class ApiToken(db.Model):
    """A bearer token for the write API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: what the token is for, e.g. "Landesportal NRW"
    name: Mapped[str] = mapped_column(String(120), default="")
    #: first characters of the token, shown so administrators can tell tokens apart
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_valid(self) -> bool:
        """Not revoked, and its user is still active."""
        return self.revoked_at is None and self.user.active


class AuditEvent(db.Model):
    """Audit log: logins, publishing, deletions, user and token changes (visible to admins)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "user:anna", "cli", "token:ab12cd34 (user:anna)", or "anonymous"
    actor: Mapped[str] = mapped_column(String(160))
    #: e.g. login, login_failed, logout, publish, unpublish, delete, user_create, token_create, token_revoke
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: what it concerns, e.g. "project:standesamt-untere-lenne" or "user:bernd"
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ChangeProposal(db.Model):
    """A change to a published profile by an editor who may not publish: kept until a
    publisher accepts it (applied through the normal services) or rejects it."""

    __tablename__ = "change_proposals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'rejected', 'withdrawn', 'superseded')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: the project's version the proposal was made on (a newer current version is a conflict)
    base_version: Mapped[int] = mapped_column(Integer)
    #: the proposed profile as input of ProjectInputSchema (validated and cleaned when submitted, loaded again on acceptance)
    data: Mapped[dict] = mapped_column(JSON)
    #: open: waiting for a decision; superseded: its author saved a newer proposal for the same profile
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who proposed: "user:<name>"
    created_by: Mapped[str] = mapped_column(String(120), index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    #: the reviewer's note to the author (required when rejecting)
    note: Mapped[str] = mapped_column(Text, default="")
    #: the project's version that accepting it created (None: not accepted, or it changed nothing)
    applied_version: Mapped[int | None] = mapped_column(Integer)

    project: Mapped[Project] = relationship()

    @property
    def is_open(self) -> bool:
        """Still waiting for a decision."""
        return self.status == "open"


class FormStash(db.Model):
    """What an editor typed into a profile form whose save came after the login had expired.

    Only the browser session that posted it knows the random id; it is shown again in the
    form after the next login (never saved by itself) and expires after a day.
    """

    __tablename__ = "form_stashes"

    #: random, kept in the posting session only
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the form's address: the data comes back only on that page
    path: Mapped[str] = mapped_column(String(300))
    #: the posted fields as [name, value] pairs (without the CSRF token)
    data: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RateCounter(db.Model):
    """Hits of one throttled key (failed logins of an account or an address, ...) in one fixed
    time window. In the database, so that every worker and machine counts the same attempts."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: start of the window, seconds since the epoch
    window_start: Mapped[int] = mapped_column(primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(default=0)


from .places.models import Place  # noqa: E402  (registers the table; Organisation.place refers to it)
