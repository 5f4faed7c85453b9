"""Link metadata of the page heads: canonical address, language alternates, feeds, DCAT documents.

Computed from the request alone (endpoint, path arguments, known query parameters), so views
need not pass anything and the answer stays a function of URL and data.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Flask, request, url_for
from flask_babel import gettext
from jinja2 import pass_context
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..api.urls import absolute
from ..i18n import LANGUAGES
from . import jsonld
from .downloads import download_links

#: Query parameters that change what a public page shows (everything else is noise for a canonical URL).
PAGE_PARAMS = (
    "q",
    "stichwort",
    "land",
    "kreis",
    "rechtsform",
    "art",
    "seit_von",
    "seit_bis",
    "sort",
    "seite",
    "pro_seite",
)
#: Parameters that select the profiles (a feed of a list ignores its order and page).
SELECTING_PARAMS = ("q", "stichwort", "land", "kreis", "rechtsform", "art", "seit_von", "seit_bis")
_PRIVATE = ("/admin", "/api/")


def _query(keys) -> list[tuple[str, str]]:
    return [(key, value) for key in keys for value in request.args.getlist(key) if value.strip()]


def canonical_url(lang: str | None = None) -> str:
    """This page's address with only the parameters that matter (and ``lang`` when given)."""
    pairs = _query(PAGE_PARAMS)
    if lang:
        pairs.append(("lang", lang))
    return absolute(quote(request.path)) + ("?" + urlencode(pairs) if pairs else "")


def page_feed() -> tuple[str, str] | None:
    """(URL, title) of the Atom feed of what this page lists, or None."""
    endpoint, values = request.endpoint or "", request.view_args or {}
    if endpoint in ("public.project_list", "public.search_page"):
        pairs = _query(SELECTING_PARAMS)
        if not pairs:
            return None  # the whole catalogue: the site-wide feed below
        return url_for("opendata.feed_projects") + "?" + urlencode(pairs), gettext("Änderungen dieser Auswahl (Atom)")
    if endpoint == "public.keyword_detail":
        return url_for("opendata.feed_keyword", slug=values["slug"]), gettext("Änderungen zu diesem Stichwort (Atom)")
    if endpoint == "places.place_page" and values.get("key_slug"):
        key = values["key_slug"].split("-", 1)[0]
        return url_for("opendata.feed_place", key=key), gettext("Änderungen an diesem Ort (Atom)")
    if endpoint == "public.organisation_detail":
        return url_for("opendata.feed_organisation", slug=values["slug"]), gettext(
            "Änderungen dieser Organisation (Atom)"
        )
    return None


def head_links() -> dict:
    """Everything the head include shows; empty for the editing area and the API's JSON."""
    if request.path.startswith(_PRIVATE) and request.endpoint != "api.docs":
        return {}
    public = not request.path.startswith(_PRIVATE)
    return {
        "canonical": canonical_url(),
        "alternates": [(lang, canonical_url(lang)) for lang in LANGUAGES] if public else [],
        "x_default": canonical_url() if public else "",
        "page_feed": page_feed() if public else None,
    }


@pass_context
def structured_data(context) -> Markup:
    """The schema.org JSON-LD of a profile or organisation page (from the page's own context), else nothing."""
    endpoint = request.endpoint
    if endpoint == "public.project_detail" and context.get("project") is not None:
        document = jsonld.project_document(context["project"])
    elif endpoint == "public.organisation_detail" and context.get("organisation") is not None:
        document = jsonld.organisation_document(context["organisation"], context.get("participations") or [])
    elif endpoint == "places.place_page" and context.get("place") is not None:
        parents = [context.get(name) for name in ("association", "district", "state")]
        document = jsonld.place_document(context["place"], parents)
    else:
        return Markup("")
    # htmlsafe_json_dumps escapes <, >, & and ' so that no text can close the script element.
    return (
        Markup('<script type="application/ld+json">')
        + htmlsafe_json_dumps(document, ensure_ascii=False)
        + Markup("</script>")
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals["opendata_head_links"] = head_links
    app.jinja_env.globals["opendata_structured_data"] = structured_data
    app.jinja_env.globals["opendata_download_links"] = download_links
