"""Project cards as the lists show them, loaded narrow.

A card needs a profile's title, start year, legal form, the text its teaser is cut from, the
names and states of the participating organisations and the keywords' names: ``load_cards``
reads exactly these for a page of ids in three statements (however many profiles, participants
or keywords) as plain tuples, instead of whole ORM graphs (every column of every profile,
participation, organisation and keyword). ``as_card`` makes the same tuple from an ORM profile
that is already loaded, so every list renders one macro (``card`` in ``macros.html``)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from math import ceil
from threading import Lock
from typing import NamedTuple

from flask import get_template_attribute, request
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import bindparam, case, func, select

from .. import queries
from ..caching import per_version
from ..extensions import db
from ..formatting import STATES
from ..i18n import content_lang, current_language
from ..models import Keyword, LegalForm, Organisation, Participation, Project, project_keywords

#: Keywords a card shows (the rest are on the profile).
CARD_KEYWORDS = 6


class Card(NamedTuple):
    """What a project card shows (no ORM object: it may outlive the request that loaded it)."""

    id: int
    slug: str
    title: str
    since_year: int | None
    legal_form: str | None
    #: summary, else goal, else implementation (the card cuts its teaser from it)
    teaser: str
    #: participating organisations' names, in the profile's order
    names: tuple[str, ...]
    #: their states (codes), each once, in order of first appearance
    states: tuple[str, ...]
    #: the first keywords' names, alphabetically
    keywords: tuple[str, ...]


class CardTexts(NamedTuple):
    """A card's interface texts in one language, as the template's ``_()`` gives them (Markup,
    formatted with ``%``): looked up once per language, not five times per card."""

    lang: Markup
    more: Markup
    since: Markup
    state: Markup
    legal_form: Markup
    one: Markup
    many: Markup
    keywords: Markup
    #: state code -> name in this language (formatting.state_name)
    states: dict[str, str]


_texts: dict[str, CardTexts] = {}


def card_texts() -> CardTexts:
    """The card texts of this request's language."""
    language = current_language()
    found = _texts.get(language)
    if found is None:
        found = _texts[language] = CardTexts(
            content_lang(),
            Markup(gettext("und %(n)s weitere")),
            Markup(gettext("seit %(year)s")),
            Markup(gettext("Land:")),
            Markup(gettext("Rechtsform:")),
            Markup(gettext("1 beteiligte Stelle")),
            Markup(gettext("%(n)s beteiligte Stellen")),
            Markup(gettext("Stichworte")),
            {code: gettext(name) for code, name in STATES.items()},
        )
    return found


#: Rendered cards kept per process (the least recently shown first out).
CARDS_KEPT = 2_000
_rendered: OrderedDict = OrderedDict()
_rendered_lock = Lock()


def rendered_card(card: Card, heading: str = "h3") -> Markup:
    """The ``card`` macro's HTML for a card in this request's language, rendered once: a card
    holds every fact it shows, so a changed profile is another card (nothing to invalidate),
    and the macro, with its escaping and formatting, was the better part of a list page."""
    key = (card, heading, current_language(), request.script_root)
    with _rendered_lock:
        found = _rendered.get(key)
        if found is not None:
            _rendered.move_to_end(key)
            return found
    found = get_template_attribute("macros.html", "card")(card, heading)
    with _rendered_lock:
        _rendered[key] = found
        while len(_rendered) > CARDS_KEPT:
            _rendered.popitem(last=False)
    return found


def _states(codes) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for code in codes:
        if code:  # Jinja's unique: compared case-insensitively, the first one kept
            seen.setdefault(code.lower(), code)
    return tuple(seen.values())


def as_card(project: Project) -> Card:
    """The card of a loaded ORM profile (its participations, organisations and keywords loaded)."""
    organisations = [participation.organisation for participation in project.participations]
    return Card(
        project.id,
        project.slug,
        project.title,
        project.since_year,
        project.legal_form.name if project.legal_form else None,
        project.summary or project.goal or project.implementation,
        tuple(organisation.name for organisation in organisations),
        _states(organisation.state for organisation in organisations),
        tuple(keyword.name for keyword in project.keywords[:CARD_KEYWORDS]),
    )


@cache
def _card_statements():
    """The three statements of ``load_cards``, for any page of ids (an expanding parameter):
    built once (on first use, not at start), because building them (columns, joins, the CASE,
    coercions) cost as much CPU as running them."""
    ids = bindparam("ids", expanding=True)
    teaser = case(
        (func.coalesce(Project.summary, "") != "", Project.summary),
        (func.coalesce(Project.goal, "") != "", Project.goal),
        else_=Project.implementation,
    )
    profiles = (
        select(Project.id, Project.slug, Project.title, Project.since_year, LegalForm.name, teaser)
        .outerjoin(LegalForm, LegalForm.id == Project.legal_form_id)
        .where(Project.id.in_(ids))
    )
    members = (
        select(Participation.project_id, Organisation.name, Organisation.state)
        .join(Organisation, Organisation.id == Participation.organisation_id)
        .where(Participation.project_id.in_(ids))
        .order_by(Participation.project_id, Participation.position, Participation.id)
    )
    keywords = (
        select(project_keywords.c.project_id, Keyword.name)
        .join(Keyword, Keyword.id == project_keywords.c.keyword_id)
        .where(project_keywords.c.project_id.in_(ids))
        .order_by(project_keywords.c.project_id, Keyword.name)
    )
    return profiles, members, keywords


def load_cards(ids: list[int]) -> list[Card]:
    """The cards of these profiles in the order of the ids: three statements."""
    if not ids:
        return []
    profiles, participants, names = _card_statements()
    values = {"ids": list(ids)}
    rows = db.session.execute(profiles, values).all()
    members: dict[int, list[tuple[str, str | None]]] = {}
    for project_id, name, state in db.session.execute(participants, values):
        members.setdefault(project_id, []).append((name, state))
    keywords: dict[int, list[str]] = {}
    for project_id, name in db.session.execute(names, values):
        keywords.setdefault(project_id, []).append(name)
    cards = {}
    for project_id, slug, title, since_year, legal_form, text in rows:
        people = members.get(project_id, [])
        cards[project_id] = Card(
            project_id,
            slug,
            title,
            since_year,
            legal_form,
            text or "",
            tuple(name for name, _ in people),
            _states(state for _, state in people),
            tuple(keywords.get(project_id, [])[:CARD_KEYWORDS]),
        )
    return [cards[i] for i in ids if i in cards]


@dataclass
class CardPage:
    """One page of the project list, shaped like Flask-SQLAlchemy's Pagination for the templates."""

    items: list[Card]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0


def card_page(filters: dict, per_page: int, total: int | None = None, max_per_page: int = 100) -> CardPage:
    """One page of the filtered list as cards: the page's ids, the count (unless ``total`` is
    known: see ``count_projects``), the cards; an out-of-range page is empty, as
    ``queries.paginate_projects`` gives it."""
    per_page = min(per_page, max_per_page)
    page = max(1, filters["page"])
    ids_stmt = queries.filtered_projects(filters, eager=False).with_only_columns(Project.id)
    ids = list(db.session.scalars(ids_stmt.limit(per_page).offset((page - 1) * per_page)))
    if total is None:
        total = count_projects(filters)
    return CardPage(load_cards(ids), total, page, per_page)


def count_projects(filters: dict) -> int:
    """How many published profiles pass the filters."""
    ids = queries.filtered_projects(filters, eager=False).with_only_columns(Project.id).order_by(None)
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def recent_cards() -> list[Card]:
    """The home page's recently updated profiles, once per catalogue version (the same for everyone)."""
    return per_version("recent_cards", lambda: [as_card(project) for project in queries.recently_updated()])
