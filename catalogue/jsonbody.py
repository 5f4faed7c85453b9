"""Parsing JSON request bodies within bounds: nesting depth and number length.

Python's ``json`` module recurses once per nesting level (a body of 1,000 brackets raises
RecursionError, not a decoding error) and refuses integers of more than 4,300 digits with a
ValueError that no JSON library's error handling expects. Both used to reach the client as
500s. Every body the app parses goes through :func:`loads` (the app's JSON provider and the
API's argument parser), so a hostile body is a clear 400, and an absurd number is a value the
schemas refuse with a 422 that names the field.
"""

from __future__ import annotations

import json
import re

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest

#: Deepest nesting a body may have. A profile needs four levels (profile → participants →
#: participant → organisation); the margin leaves room for clients that wrap documents.
MAX_DEPTH = 32
#: Digits an integer may have. Every integer the catalogue stores fits into 64 bits (19 digits).
MAX_DIGITS = 30

# Strings (with their escapes) are skipped as one token, so brackets inside them do not count.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class BodyError(ValueError):
    """A body that is not acceptable JSON; the message is German and safe to show."""


class OutOfRangeNumber:
    """Stands in for an integer with too many digits. It is no number and no text, so every
    schema field refuses it ("Zahl erwartet", "Text erwartet") and names the field."""

    __slots__ = ("digits",)

    def __init__(self, literal: str):
        self.digits = len(literal.lstrip("-"))

    def __repr__(self) -> str:
        return f"<Zahl mit {self.digits} Ziffern>"


def _int(literal: str):
    if len(literal.lstrip("-")) > MAX_DIGITS:
        return OutOfRangeNumber(literal)
    return int(literal)


def _constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259); Python accepts them by default.
    raise BodyError(f"{name} ist in JSON nicht erlaubt.")


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise BodyError when arrays/objects nest deeper than ``limit``, without recursing."""
    if text.count("[") + text.count("{") <= limit:
        return  # cannot be deeper than it has brackets: the common small body skips the scan
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                raise BodyError(f"Der JSON-Inhalt ist zu tief verschachtelt (höchstens {limit} Ebenen).")
        elif token in "]}":
            depth -= 1


def loads(data: str | bytes, **kwargs):
    """``json.loads`` with the bounds above; BodyError (a ValueError) for whatever it refuses."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BodyError("Der Inhalt ist kein gültiges UTF-8.") from error
    check_depth(data)
    kwargs.setdefault("parse_int", _int)
    kwargs.setdefault("parse_constant", _constant)
    try:
        return json.loads(data, **kwargs)
    except BodyError:
        raise
    except (ValueError, RecursionError) as error:
        # json.JSONDecodeError says where; keep that, in our words.
        where = f" (Zeile {error.lineno}, Spalte {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
        raise BodyError(f"Der Inhalt ist kein gültiges JSON{where}.") from error


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing with :func:`loads` (``request.get_json()`` uses it)."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)


class BoundedRequest(Request):
    """Flask's request whose JSON errors say in German what is wrong (400)."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not JSON at all (Content-Type): Flask's 415
            return super().on_json_loading_failed(e)
        error = BadRequest(str(e) if isinstance(e, BodyError) else "Der Inhalt ist kein gültiges JSON.")
        error._catalogue_detail = True
        raise error


def init_app(app: Flask) -> None:
    """Parse every JSON body of ``app`` within the bounds."""
    app.json = BoundedJSONProvider(app)
    app.request_class = BoundedRequest


class BoundedArgumentsParser(FlaskParser):
    """webargs' parser (flask-smorest's ``@bp.arguments``), reading bodies through the
    request's bounded get_json instead of its own unbounded ``json.loads``."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return req.get_json(cache=True)
