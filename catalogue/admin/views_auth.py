"""Login, logout and the start page of the editing area."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from .. import throttle
from ..accounts import authenticate, end_sessions, record_audit, start_session
from ..editing import PROPOSAL_STATUS_LABELS, open_proposals, projects_awaiting_review, proposals_by
from ..extensions import db
from ..models import Project
from ..textutil import without_forbidden
from . import bp, form_rescue
from .forms import ActionForm, LoginForm

LOGIN_FAILED = "Benutzername oder Passwort ist falsch."
TOO_MANY = "Zu viele Anfragen: zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie eine Minute."


def _safe_next(target: str | None) -> str:
    """Only follow redirects inside the editing area (no open redirect to other sites)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.index")


def _account_key(username: str) -> str:
    """The account a login names, as counted and audited: without the characters no text may
    contain (PostgreSQL refuses a NUL), so "admin" with a NUL inside counts against "admin"."""
    return without_forbidden(username).strip().lower()[:60]


def _login_keys(username: str) -> list[str]:
    """Failed logins count per account and per client address (both across all workers)."""
    return [f"login:user:{_account_key(username)}", f"login:addr:{get_remote_address()}"]


def _too_many_attempts(form, wait: int):
    form.password.errors = [TOO_MANY]
    body = render_template("admin/login.html", form=form)
    return body, 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; wrong user and wrong password get the same answer; failed attempts are
    throttled per account and per address (in the database, so every worker counts them)."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(form.next.data))
    if form.validate_on_submit():
        limit, keys = current_app.config["LOGIN_RATE_LIMIT"], _login_keys(form.username.data or "")
        wait = throttle.retry_after(keys, limit)
        if wait is not None:  # even the right password waits: otherwise guessing goes on
            return _too_many_attempts(form, wait)
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            start_session(user)
            record_audit(user.actor, "login", user.actor)
            db.session.commit()
            return redirect(_safe_next(form.next.data))
        throttle.count(keys, limit)
        record_audit("anonymous", "login_failed", f"user:{_account_key(form.username.data or '')}")
        db.session.commit()
        form.password.errors = [LOGIN_FAILED]
        return render_template("admin/login.html", form=form), 401
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the session (POST with CSRF token, so no other site can log editors out).

    Cookie sessions cannot be revoked one by one, so logging out ends every session of the
    account (every device): a copy of the cookie must not outlive the logout."""
    if ActionForm().validate_on_submit():
        if current_user.is_authenticated:
            end_sessions(current_user, current_user.actor, "logout", audit=False)  # the logout is audited
            record_audit(current_user.actor, "logout", current_user.actor)
            db.session.commit()
        logout_user()
        flash("Sie sind abgemeldet.", "success")
    return redirect(url_for("admin.login"))


@bp.get("/")
def index():
    """Start page: counts per status, open review requests and change proposals, the user's own
    proposals, recently changed profiles."""
    counts = dict(db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all())
    recent = db.session.scalars(select(Project).order_by(Project.updated_at.desc()).limit(10)).all()
    return render_template(
        "admin/index.html",
        counts=counts,
        recent=recent,
        reviews=projects_awaiting_review(),
        proposals=open_proposals(),
        mine=proposals_by(current_user.actor, limit=10),
        labels=PROPOSAL_STATUS_LABELS,
        kept_input=form_rescue.pending_stash_path(),
    )
