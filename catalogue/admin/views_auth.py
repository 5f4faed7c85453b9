"""Login, logout and the start page of the editing area."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from ..accounts import authenticate, record_audit
from ..editing import PROPOSAL_STATUS_LABELS, open_proposals, projects_awaiting_review, proposals_by
from ..extensions import db, limiter
from ..models import Project
from . import bp, form_rescue
from .forms import ActionForm, LoginForm

LOGIN_FAILED = "Benutzername oder Passwort ist falsch."


def _safe_next(target: str | None) -> str:
    """Only follow redirects inside the editing area (no open redirect to other sites)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
# Counted per client address only: the app's default key would let a made-up bearer token
# header give every guess a fresh count.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=get_remote_address)
def login():
    """Log in; wrong user and wrong password get the same answer."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(form.next.data))
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            record_audit(user.actor, "login", user.actor)
            db.session.commit()
            return redirect(_safe_next(form.next.data))
        record_audit("anonymous", "login_failed", f"user:{(form.username.data or '').strip().lower()[:60]}")
        db.session.commit()
        form.password.errors = [LOGIN_FAILED]
        return render_template("admin/login.html", form=form), 401
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the session (POST with CSRF token, so no other site can log editors out)."""
    if ActionForm().validate_on_submit():
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
        "admin/index.html", counts=counts, recent=recent, reviews=projects_awaiting_review(),
        proposals=open_proposals(), mine=proposals_by(current_user.actor, limit=10), labels=PROPOSAL_STATUS_LABELS,
        kept_input=form_rescue.pending_stash_path(),
    )
