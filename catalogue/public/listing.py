"""The list filters as /projekte and /suche show them: one form of checkbox groups (several
values of a filter combine with OR, so each value is a checkbox that a resubmitted form keeps),
the active filters as removable chips, the result sentence and the page title built from them,
readable names in error messages, and query strings without empty parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import format_decimal, gettext, lazy_gettext
from werkzeug.datastructures import MultiDict

from ..formatting import KIND_LABELS, state_name
from ..schemas import flatten_errors
from ..textutil import keyword_key

#: (query parameter, key in the loaded filters, facet of the search index), in form order.
LIST_FILTERS = (
    ("stichwort", "keywords", "keyword"),
    ("land", "states", "state"),
    ("kreis", "districts", "district"),
    ("rechtsform", "legal_forms", "legal_form"),
    ("art", "kinds", "kind"),
)
#: What people call each query parameter (error messages name the field, not "land.0").
PARAM_LABELS = {
    "stichwort": lazy_gettext("Stichwort"),
    "land": lazy_gettext("Land"),
    "kreis": lazy_gettext("Kreis"),
    "rechtsform": lazy_gettext("Rechtsform"),
    "art": lazy_gettext("Beteiligte"),
    "seit_von": lazy_gettext("Zusammenarbeit seit, von Jahr"),
    "seit_bis": lazy_gettext("Zusammenarbeit seit, bis Jahr"),
    "sort": lazy_gettext("Sortierung"),
    "seite": lazy_gettext("Seite"),
    "pro_seite": lazy_gettext("Einträge pro Seite"),
    "q": lazy_gettext("Suchbegriff"),
}
#: Options of a group shown before the rest folds into "weitere": long lists bury the results.
SHOWN_OPTIONS = 8


@dataclass
class Option:
    value: str
    label: str
    count: int | None
    checked: bool
    #: the label is catalogue content (German), not interface text
    content: bool


@dataclass
class Group:
    param: str
    title: str
    shown: list[Option] = field(default_factory=list)
    more: list[Option] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return sum(option.checked for option in self.shown + self.more)


@dataclass
class Chip:
    label: str
    remove_url: str
    content: bool


def value_label(param: str, value: str) -> tuple[str, bool]:
    """The label of a filter value and whether it is content (German) rather than interface text."""
    if param == "land":
        return state_name(value), False
    if param == "art":
        return str(KIND_LABELS.get(value, value)), False
    return value, True


def readable_errors(messages) -> str:
    """Marshmallow's errors as "Land: Unbekanntes Land …" (the parameter's name, never its index)."""
    named: dict[str, list[str]] = {}
    for path, text in flatten_errors(messages):
        key = path.split(".")[0]
        label = str(PARAM_LABELS.get(key, key))
        named.setdefault(label, [])
        if text not in named[label]:
            named[label].append(text)
    return " ".join(f"{label}: {' '.join(texts)}" for label, texts in named.items())


def blank_free_url() -> str | None:
    """The current URL without empty parameters, or None when it has none.

    A GET form sends every field, also the empty year boxes; a shared or bookmarked address
    should carry only what was chosen."""
    pairs = list(request.args.items(multi=True))
    kept = [(key, value) for key, value in pairs if value.strip()]
    if len(kept) == len(pairs):
        return None
    # Not url_for(): parameters named like its own arguments (_scheme, endpoint) would reach it.
    return request.path + ("?" + urlencode(kept) if kept else "")


def filter_groups(filters: dict, available: dict[str, list[tuple[str, int | None]]]) -> list[Group]:
    """Checkbox groups: the available values (most frequent first) and always every chosen one,
    also when it is rare, unknown to the index or beyond the shown part."""
    titles = {param: str(PARAM_LABELS[param]) for param, _, _ in LIST_FILTERS}
    groups = []
    for param, key, facet in LIST_FILTERS:
        counts = dict(available.get(facet, []))
        values = [value for value, _ in available.get(facet, [])]
        chosen = list(dict.fromkeys(filters[key]))
        if param == "stichwort":  # ?stichwort=klima chooses the keyword spelt "Klima"
            spelt = {keyword_key(value): value for value in values}
            chosen = list(dict.fromkeys(spelt.get(keyword_key(value), value) for value in chosen))
        values += [value for value in chosen if value not in counts]
        if not values:
            continue
        options = [Option(v, *_label_pair(param, v, counts.get(v), v in chosen)) for v in values]
        options = _order(options)
        group = Group(param, titles[param])
        picked = [option for option in options if option.checked]
        rest = [option for option in options if not option.checked]
        room = max(0, SHOWN_OPTIONS - len(picked))
        if len(options) <= SHOWN_OPTIONS + 2:  # folding away one or two saves nothing
            room = len(rest)
        group.shown = picked + rest[:room]
        group.more = rest[room:]
        groups.append(group)
    return groups


def keyword_group(filters: dict, title: str) -> Group:
    """The keyword checkboxes alone, with how many published profiles carry each (the partner
    search's topic by keyword; the chosen ones always shown and ticked)."""
    from ..queries import keyword_counts

    available = {"keyword": [(entry.name, count) for entry, count in keyword_counts()]}
    only = {key: (filters[key] if key == "keywords" else []) for _, key, _ in LIST_FILTERS}
    groups = filter_groups(only, available)
    group = groups[0] if groups else Group("stichwort", title)
    group.title = title
    return group


def _label_pair(param: str, value: str, count: int | None, checked: bool) -> tuple:
    label, content = value_label(param, value)
    return label, count, checked, content


def _order(options: list[Option]) -> list[Option]:
    """Most frequent first, then alphabetically; without counts alphabetically."""
    return sorted(options, key=lambda o: (-(o.count or 0), o.label.casefold()))


def chips(endpoint: str, args: MultiDict, filters: dict) -> list[Chip]:
    """One removable chip per chosen value (and one for the year range)."""
    found = []
    base = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "seite"])
    for param, key, _ in LIST_FILTERS:
        for value in dict.fromkeys(filters[key]):
            rest = MultiDict(base)
            rest.setlist(param, [v for v in base.getlist(param) if v != value])
            label, content = value_label(param, value)
            found.append(Chip(label, url_for(endpoint, **rest.to_dict(flat=False)), content))
    low, high = filters["since_from"], filters["since_to"]
    if low or high:
        rest = MultiDict([(k, v) for k, v in base.items(multi=True) if k not in ("seit_von", "seit_bis")])
        if low and high:
            label = gettext("seit %(low)s–%(high)s", low=low, high=high)
        elif low:
            label = gettext("seit %(year)s oder später", year=low)
        else:
            label = gettext("seit %(year)s oder früher", year=high)
        found.append(Chip(label, url_for(endpoint, **rest.to_dict(flat=False)), False))
    return found


def active_count(filters: dict) -> int:
    """How many filters are set (a year range counts once): the number in "Filter (2 aktiv)"."""
    return sum(len(set(filters[key])) for _, key, _ in LIST_FILTERS) + bool(
        filters["since_from"] or filters["since_to"]
    )


def range_text(page: int, per_page: int, total: int) -> str:
    """ "6–10 von 19"; empty when everything fits on one page."""
    if total <= per_page:
        return ""
    first = (page - 1) * per_page + 1
    return gettext(
        "%(first)s–%(last)s von %(total)s",
        first=format_decimal(first),
        last=format_decimal(min(page * per_page, total)),
        total=format_decimal(total),
    )


def listing_context(
    endpoint: str, args: MultiDict, filters: dict, available: dict | None, total: int, page: int, per_page: int
) -> dict:
    """What the shared filter form and the result header of a list page need (without
    ``available``, no ``groups``: the caller renders the form itself)."""
    return {
        "groups": filter_groups(filters, available) if available is not None else None,
        "chips": chips(endpoint, args, filters),
        "active": active_count(filters),
        "range_text": range_text(page, per_page, total),
        "filters": filters,
        "list_endpoint": endpoint,
    }
