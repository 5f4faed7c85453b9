"""JSON API for other portals under /api/v1; the OpenAPI document comes from the same
marshmallow schemas that validate (flask-smorest)."""

from __future__ import annotations

import http
import threading

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_cors import CORS
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from ..errors import is_api_path
from ..extensions import csrf, limiter
from ..jsonbody import BoundedArgumentsParser
from ..models import utcnow
from .schemas import ProblemSchema

PROBLEM_JSON = "application/problem+json"

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Lesen, Durchsuchen, Spiegeln und (mit Token) Schreiben des IKZ-Katalogs.",
)
# Bodies are parsed within depth and number bounds (set before the views use @bp.arguments).
bp.ARGUMENTS_PARSER = BoundedArgumentsParser()


class CatalogueApi(Api):
    """flask-smorest's Api, but errors stay with catalogue.errors (problem+json under /api/,
    HTML pages elsewhere) and are documented as application/problem+json; the views' part of
    the OpenAPI document is written when ``spec`` is first read, not at start-up."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args, **kwargs):
        #: (blueprint, name, parameters) registered whose views are not in the document yet.
        self._undocumented = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    # Documenting the views (apispec converting every schema, deep copies of each view's
    # documentation) took about a third of create_app(), in every worker and every `flask`
    # command, for a document only /api/v1/openapi.json, the docs page and `flask openapi`
    # read. So register_blueprint serves the views at once and documents them on the first
    # read of ``spec``: the same calls in the same order, the same document.
    @property
    def spec(self):
        """The OpenAPI document (apispec), with every registered blueprint's views in it."""
        if self._undocumented:
            with self._documenting:
                while self._undocumented:
                    blueprint, name, parameters = self._undocumented.pop(0)
                    blueprint.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                    self._spec.tag({"name": name, "description": blueprint.description})
                    if not self._undocumented:
                        openapi.document_every_status(self._spec)
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Serve the blueprint now; document its views on the first read of ``spec``."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _register_error_handlers(self):
        # smorest would answer *every* error of the app as JSON, including the HTML site's.
        pass

    def _register_responses(self):
        # Every field's description and example, by name (see openapi.py). Added here, the first
        # moment the converter exists, because the problem schema is converted right below.
        self.ma_plugin.converter.add_attribute_function(openapi.describe_field)
        self.ma_plugin.converter.add_attribute_function(openapi.text_accepts_numbers)
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Fehler (RFC 9457 Problem Details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


# One budget per client for the whole API (a plain limit would give each endpoint its own);
# read at request time, so operators (and tests) can change it per app.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)
# Bearer tokens, not cookies, authenticate writes: CSRF cannot apply.
csrf.exempt(bp)

# The views register their routes (in this order: the order of the document and its page).
from . import hooks, openapi, views_catalogue, views_feeds, views_places, views_projects  # noqa: E402,F401

# Registered before CORS so that it runs after flask-cors (blueprint hooks run in reverse):
# reads are open to any origin, writes are not.
bp.after_request(hooks.no_cors_on_writes)
CORS(
    bp,
    origins="*",
    send_wildcard=True,  # "*" rather than the echoed origin: one cacheable answer for every portal
    methods=["GET", "HEAD", "OPTIONS"],
    allow_headers=["Accept", "If-None-Match", "If-Modified-Since"],
    expose_headers=[
        "ETag",
        "Last-Modified",
        "Link",
        "X-Total-Count",
        "Location",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ],
    max_age=3600,
)


def init_app(app: Flask) -> None:
    """Register the API blueprint and its OpenAPI document on ``app``."""
    api = CatalogueApi(
        app,
        spec_kwargs={
            "title": "IKZ-Katalog API",
            "version": "1.0.0",
            "openapi_version": "3.0.3",
            "info": {
                "description": (
                    "Öffentliche JSON-API des Katalogs interkommunaler Zusammenarbeit. Lesen ohne Anmeldung; "
                    "Schreiben mit `Authorization: Bearer <Token>` und `If-Match`. Fehler als RFC 9457 "
                    "`application/problem+json`."
                ),
            },
            "servers": [{"url": "/"}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    # flask-smorest registers its own pagination schema; this API pages differently (Link, total).
    api.spec.components.schemas.pop("PaginationMetadata", None)
    # Last-Modified of documents that do not change with the data (the OpenAPI document, the docs page).
    app.config.setdefault("API_STARTED_AT", utcnow().replace(microsecond=0))
    api.register_blueprint(bp)  # its document is completed on first read (CatalogueApi.spec)
    app.extensions["catalogue_api"] = api
    app.after_request(_no_html_redirect_bodies)
    app.session_interface = NoApiSessionInterface()


class NoApiSessionInterface(SecureCookieSessionInterface):
    """The site's cookie sessions, never saved on API answers.

    The API authenticates with tokens only. Flask-Login looks into the session after every
    request, and a looked-at session makes Flask add ``Vary: Cookie``, which keeps CDNs and
    portals' caches from sharing one cached answer among all clients.
    """

    def open_session(self, app, request):
        # Most requests carry no session cookie (every anonymous visitor, every cached answer):
        # their session is the empty one Flask would return, without first building a signing
        # serializer (about 5 % of a cached answer's time) only to find nothing to verify.
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if is_api_path(request.path):
            return None
        return super().save_session(app, session, response)


def _no_html_redirect_bodies(response):
    """Redirects under /api/ (an old slug, /api/v1 → /api/v1/) without Werkzeug's HTML body:
    the Location header is the whole answer, and an API URL never answers in HTML."""
    if is_api_path(request.path) and 300 <= response.status_code < 400 and response.mimetype == "text/html":
        response.set_data(b"")
        response.headers.remove("Content-Type")
    return response
