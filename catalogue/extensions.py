"""Flask extensions, created unbound here and bound in create_app via init_app."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names make migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with our naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_key() -> str:
    """Rate-limit key: the API token's user when one is sent, else the client address."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer ") and len(auth) < 200:
        import hashlib

        return "token:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:16]
    return get_remote_address()


db = SQLAlchemy(model_class=Base)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default, redis://… with several workers).
limiter = Limiter(key_func=client_key, default_limits=[])


def retry_after_only_when_refused(response):
    """Flask-Limiter sends Retry-After with every limited answer; on a 200 it would tell clients
    and caches to wait for nothing (RFC 9110 gives it meaning on 429, 503 and redirects).
    Registered before the limiter, so that it runs after the limiter has added its headers."""
    if response.status_code not in (429, 503) and not 300 <= response.status_code < 400:
        response.headers.pop("Retry-After", None)
    return response
