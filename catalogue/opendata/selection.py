"""The profiles a list, search or API request shows, for downloads and feeds: every one, not a page.

A selection is what the visitor sees: the list filters, the full-text query and the order. Without
a query the database answers (keyset batches, constant memory); with one the search engine gives
the ids in its order, page by page, and the database loads the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..api.reading import with_everything
from ..extensions import db
from ..models import Project
from ..queries import filtered_projects

#: The filters of a selection (``queries.filtered_projects``'s names) → the API's query names.
API_NAMES = {
    "keywords": "keyword",
    "states": "state",
    "districts": "district",
    "legal_forms": "legal_form",
    "kinds": "kind",
    "since_from": "since_from",
    "since_to": "since_to",
    # not filters of the site's list: the profiles of an organisation's or a place's page
    "organisations": "organisation",
    "places": "place",
}
FILTER_KEYS = tuple(API_NAMES)
#: The API's sort names → the site's (the engines speak the site's).
API_SORTS = {"title": "titel", "newest": "neueste", "since": "seit", "relevance": "relevanz"}
#: Longest full download: far beyond the catalogue's size, a bound on a request's work.
MAX_ROWS = 100_000
_BATCH = 200


@dataclass
class Selection:
    """Filters in the shape of ``queries.filtered_projects``, a query text and a sort (site names)."""

    filters: dict = field(default_factory=dict)
    q: str = ""
    sort: str = "titel"

    @classmethod
    def from_filters(cls, filters: dict, q: str = "", sort: str | None = None) -> Selection:
        """From the site's loaded ProjectFilterSchema (or the API's translated) filters."""
        wanted = {
            key: filters.get(key) or ([] if key.endswith("s") and not key.startswith("since") else None)
            for key in FILTER_KEYS
        }
        q = (q or "").strip()
        sort = sort or filters.get("sort") or ("relevanz" if q else "titel")
        if sort == "relevanz" and not q:
            sort = "titel"  # without words to rank by, relevance is the title order
        return cls(wanted, q, sort)

    def is_everything(self) -> bool:
        """No filter and no query: the whole catalogue."""
        return not self.q and not any(self.filters.values())


def project_batches(selection: Selection, size: int = _BATCH):
    """Every published profile of the selection, fully loaded, a batch at a time, in its order."""
    if selection.q:
        yield from _search_batches(selection)
        return
    stmt = with_everything(filtered_projects({**selection.filters, "sort": selection.sort}))
    offset = 0
    # Offsets over a deterministic order (every order ends with the id or title): a write between
    # two batches may shift a row, which a download of a moving catalogue tolerates.
    while offset < MAX_ROWS:
        batch = list(db.session.scalars(stmt.limit(size).offset(offset)))
        if not batch:
            return
        yield batch
        offset += size


def _search_batches(selection: Selection):
    from .. import search

    page = 1
    while (page - 1) * 100 < MAX_ROWS:
        result = search.search_projects(
            q=selection.q, filters=selection.filters, sort=selection.sort, page=page, per_page=100, with_facets=False
        )
        if not result.ids:
            return
        rows = {
            p.id: p
            for p in db.session.scalars(
                with_everything(select(Project).where(Project.id.in_(result.ids), Project.status == "published"))
            )
        }
        yield [rows[i] for i in result.ids if i in rows]
        if page * 100 >= result.total:
            return
        page += 1


def from_api_args(args: dict) -> Selection:
    """From the API's loaded ProjectFilterArgsSchema arguments (English names)."""
    filters = {key: args.get(name) for key, name in API_NAMES.items()}
    return Selection.from_filters(filters, args.get("q", ""), API_SORTS.get(args.get("sort") or ""))


def api_args_of(selection: Selection) -> dict:
    """The API query arguments (English) of a selection, for links to its downloads."""
    args = {API_NAMES[key]: value for key, value in selection.filters.items() if value not in (None, [], "")}
    if selection.q:
        args["q"] = selection.q
    sort = {v: k for k, v in API_SORTS.items()}.get(selection.sort)
    if sort and sort != ("relevance" if selection.q else "title"):
        args["sort"] = sort
    return args
