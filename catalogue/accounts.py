"""Use cases for accounts: users, API tokens and the audit log. Like services.py, these
functions flush and never commit."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache

from flask import current_app, session
from flask_login import login_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db, login_manager
from .models import USER_ROLES, ApiToken, AuditEvent, User, utcnow
from .textutil import text_problem
from .writes import ServiceError, begin_write

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
#: Tokens are recognisable in logs and secret scanners by this prefix.
TOKEN_PREFIX = "ikz_"
# last_used_at is written at most this often per token (seconds): not a write per request.
_LAST_USED_GRANULARITY = 60
#: Upper bounds of an account's and a token's texts (their columns; PostgreSQL refuses longer ones).
MAX_DISPLAY_NAME = 120
MAX_EMAIL = 200
MAX_TOKEN_NAME = 120


class AccountTextError(ServiceError):
    """A text of an account or token that cannot be stored; ``field`` names it (as the forms do),
    ``problem`` says why (for the form field), the message adds the field's label (for the CLI)."""

    def __init__(self, field: str, label: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{label}: {problem}")


def account_text(field: str, label: str, value: str | None, max_length: int) -> str:
    """``value`` trimmed, unless it holds characters no text may contain (the rule of every
    input, catalogue.textutil) or is longer than ``max_length``: the same on SQLite and PostgreSQL."""
    value = (value or "").strip()
    problem = text_problem(value)
    if problem is None and len(value) > max_length:
        problem = f"Höchstens {max_length} Zeichen erlaubt."
    if problem:
        raise AccountTextError(field, label, problem)
    return value


def record_audit(actor: str, action: str, target: str = "", **detail) -> AuditEvent:
    """Append an audit event."""
    event = AuditEvent(actor=actor, action=action, target=target, detail=detail)
    db.session.add(event)
    db.session.flush()
    return event


def find_user(username: str) -> User | None:
    """The user with this (case-insensitive) username."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short (length is what makes passwords strong)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")


def create_user(
    username: str,
    password: str,
    role: str,
    actor: str,
    display_name: str = "",
    email: str = "",
    can_publish: bool = True,
) -> User:
    """Create an account."""
    display_name = account_text("display_name", "Angezeigter Name", display_name, MAX_DISPLAY_NAME)
    email = account_text("email", "E-Mail", email, MAX_EMAIL)
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise ServiceError("Benutzername: 3–60 Zeichen, Kleinbuchstaben, Ziffern, Punkt, Binde- und Unterstrich.")
    if role not in USER_ROLES:
        raise ServiceError(f"Rolle {role!r} unbekannt; erlaubt: {', '.join(USER_ROLES)}.")
    if find_user(username) is not None:
        raise ServiceError(f"Den Benutzernamen „{username}“ gibt es schon.")
    check_password_rules(password)
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        email=email,
        password_hash=_hash(password),
        can_publish=can_publish,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user_create", user.actor, role=role)
    return user


def _hash(password: str) -> str:
    """A salted hash by the configured method (PASSWORD_HASH_METHOD, scrypt unless set)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_for(method: str) -> str:
    return generate_password_hash("not-a-password", method=method)


def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so both cases take the same time."""
    return _dummy_for(current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, actor: str) -> None:
    """Set a new password (reset by an administrator, or the user's own change); every
    session started with the old one ends."""
    check_password_rules(password)
    user.password_hash = _hash(password)
    user.session_generation += 1
    db.session.flush()
    record_audit(actor, "password_set", user.actor)


#: The session key holding the generation the session was started in.
SESSION_GENERATION = "_generation"


def start_session(user: User) -> None:
    """Log ``user`` in, in the current generation of their sessions."""
    login_user(user)
    session[SESSION_GENERATION] = user.session_generation


def end_sessions(user: User, actor: str, reason: str, audit: bool = True) -> None:
    """End every session of ``user`` on every worker and machine: a session cookie copied
    before (even a valid, signed one) no longer matches the user's generation."""
    user.session_generation += 1
    db.session.flush()
    if audit:
        record_audit(actor, "sessions_ended", user.actor, reason=reason)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same answer for every failure; a
    username with characters no text may contain names nobody and is not looked up)."""
    user = find_user(username) if username and text_problem(username) is None else None
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not ok or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_token(user: User, name: str, actor: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plaintext is returned once and never stored."""
    name = account_text("name", "Name des Tokens", name, MAX_TOKEN_NAME)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=plaintext[:12], token_hash=_hash_token(plaintext))
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "token_create", f"token:{token.prefix}", user=user.username, name=token.name)
    return token, plaintext


def revoke_api_token(token: ApiToken, actor: str) -> None:
    """Revoke a token; it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_audit(actor, "token_revoke", f"token:{token.prefix}", user=token.user.username)


def find_tokens(prefix_or_id: str) -> list[ApiToken]:
    """Tokens whose id or shown prefix matches (an administrator names a token this way)."""
    text = prefix_or_id.strip()
    if text.isdigit():
        token = db.session.get(ApiToken, int(text))
        return [token] if token else []
    return list(db.session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(text[:12]))))


def user_for_token(plaintext: str) -> tuple[User, ApiToken] | None:
    """The user a bearer token acts as, or None if it is unknown, revoked or its user inactive."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(plaintext)))
    if token is None or not token.is_valid:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > _LAST_USED_GRANULARITY:
        begin_write()  # a write inside a read request: take the lock first (see writes)
        token = db.session.get(ApiToken, token.id)  # reloaded if taking the lock restarted the transaction
        token.last_used_at = now
        db.session.flush()
    return token.user, token


def init_app(app) -> None:
    """Let Flask-Login load the session's user (deactivated users are logged out)."""
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str):
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or session.get(SESSION_GENERATION) != user.session_generation:
            return None  # deactivated, or the session belongs to an ended generation
        return user
