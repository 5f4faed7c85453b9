"""Languages of the public site: German first, English too.

The interface is translated with Flask-Babel (catalogs in ``catalogue/translations``); the
profiles themselves are written in German and stay so, marked ``lang="de"`` on English pages
so that screen readers pronounce them right (WCAG 3.1.2). The editing area and the API speak
German only: their users are German municipal staff and the API's messages are documented so.
"""

from __future__ import annotations

from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask_babel import get_locale, refresh
from markupsafe import Markup

#: Interface languages, the default first.
LANGUAGES = ("de", "en")
#: Names of the languages in themselves, for the language switch.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
#: Language of the catalogue's content (profiles, names, keywords).
CONTENT_LANGUAGE = "de"
COOKIE = "lang"
_GERMAN_ONLY = ("admin", "api")

bp = Blueprint("i18n", __name__)


def N_(message: str) -> str:  # noqa: N802 - the conventional name, which the extractor looks for
    """Mark a string for translation where it is defined; translate it where it is shown."""
    return message


def select_locale() -> str:
    """The visitor's choice (cookie), else the browser's preference, else German."""
    if not has_request_context():  # CLI commands and background work speak German
        return LANGUAGES[0]
    if request.blueprint in _GERMAN_ONLY or request.path.startswith(("/admin", "/api/")):
        return LANGUAGES[0]
    # ?lang= in the address first: the hreflang alternates of every page (catalogue.opendata.head)
    # name one address per language, which search engines need and a cookie cannot give.
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def current_language() -> str:
    """The language of this page's interface ("de" or "en")."""
    return str(get_locale() or LANGUAGES[0])


def content_lang() -> Markup:
    """``lang="de"`` for content on a page whose interface is in another language."""
    return Markup(f' lang="{CONTENT_LANGUAGE}"') if current_language() != CONTENT_LANGUAGE else Markup("")


@bp.get("/sprache/<code>")
def switch_language(code: str):
    """Remember the visitor's interface language and go back to the page they came from."""
    target = request.args.get("weiter", "")
    # Only paths of this site: an absolute or protocol-relative URL would make this an open redirect.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("public.home")
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure
        )
    return response


def init_app(app: Flask) -> None:
    """Choose each request's language, offer the switch, and tell caches that pages vary by it."""
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        current_language=current_language,
        content_lang=content_lang,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )

    @app.before_request
    def _choose_language_afresh():
        # Flask-Babel caches the locale on the application context, which a request shares
        # with an enclosing one (CLI commands, tests): choose for this request, not an earlier one.
        refresh()

    @app.after_request
    def _vary_by_language(response):
        if response.mimetype == "text/html" and not request.path.startswith(("/admin", "/api/")):
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response
