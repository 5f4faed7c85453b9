"""Administrators only: users, API tokens and the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    AccountTextError,
    account_text,
    create_api_token,
    create_user,
    end_sessions,
    record_audit,
    revoke_api_token,
    set_password,
)
from ..extensions import db
from ..models import ApiToken, AuditEvent, User
from ..textutil import without_forbidden
from ..writes import ServiceError
from . import admin_required, bp
from .forms import ActionForm, PasswordForm, TokenForm, UserCreateForm, UserEditForm, choices

AUDIT_PAGE_SIZE = 100


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _summary(*forms) -> list[tuple[str, str]]:
    return [(field.id, message) for form in forms for field in form for message in field.errors]


@bp.route("/benutzer", methods=["GET", "POST"])
@admin_required
def user_list():
    """All accounts, and the form to create one."""
    form = UserCreateForm()
    status = 200
    if request.method == "POST":
        form.validate_on_submit()
        try:
            user = create_user(
                form.username.data or "",
                form.password.data or "",
                form.role.data,
                current_user.actor,
                display_name=form.display_name.data or "",
                email=form.email.data or "",
                can_publish=form.can_publish.data,
            )
        except AccountTextError as error:
            db.session.rollback()
            form[error.field].errors = [error.problem]
            status = 422
        except ServiceError as error:
            db.session.rollback()
            message = str(error)
            target = form.password if "Passwort" in message else form.role if "Rolle" in message else form.username
            target.errors = [message]
            status = 422
        else:
            db.session.commit()
            flash(f"Benutzer {user.username} angelegt.", "success")
            return redirect(url_for("admin.user_list"), code=303)
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/user_list.html", users=users, form=form, errors=_summary(form)), status


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


@bp.route("/benutzer/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    """Role, right to publish, (de)activation; a password reset."""
    user = _user(user_id)
    form = UserEditForm(obj=user)
    password = PasswordForm(formdata=None)
    status = 200
    if request.method == "POST":
        form.validate_on_submit()
        texts = _account_texts(form)
        demotes_last_admin = (
            user.is_admin
            and user.active
            and (form.role.data != "admin" or not form.active.data)
            and _active_admins() <= 1
        )
        if demotes_last_admin:
            form.role.errors = [
                "Es muss mindestens eine aktive Administratorin oder einen aktiven Administrator geben."
            ]
            status = 422
        elif form.role.data not in ("admin", "editor"):
            form.role.errors = ["Unbekannte Rolle."]
            status = 422
        elif texts is None:
            status = 422
        else:
            before = {"role": user.role, "active": user.active, "can_publish": user.can_publish}
            user.display_name, user.email = texts
            user.role, user.active, user.can_publish = form.role.data, form.active.data, form.can_publish.data
            after = {"role": user.role, "active": user.active, "can_publish": user.can_publish}
            if before != after:
                record_audit(current_user.actor, "user_update", user.actor, before=before, after=after)
            if before["active"] and not user.active:
                end_sessions(user, current_user.actor, "deactivated")
            db.session.commit()
            flash("Benutzer gespeichert.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    return _render_user(user, form, password, status)


def _account_texts(form: UserEditForm) -> tuple[str, str] | None:
    """Display name and e-mail as they may be stored, or None with the fields' errors set."""
    try:
        display_name = account_text("display_name", "Angezeigter Name", form.display_name.data, MAX_DISPLAY_NAME)
        email = account_text("email", "E-Mail", form.email.data, MAX_EMAIL)
    except AccountTextError as error:
        form[error.field].errors = [error.problem]
        return None
    return display_name, email


def _render_user(user, form, password, status):
    return render_template(
        "admin/user_form.html",
        user=user,
        form=form,
        password=password,
        errors=_summary(form, password),
        tokens=sorted(user.tokens, key=lambda t: t.created_at, reverse=True),
    ), status


@bp.post("/benutzer/<int:user_id>/passwort")
@admin_required
def user_password(user_id: int):
    """Set a new password for the account."""
    user = _user(user_id)
    password = PasswordForm()
    password.validate_on_submit()
    try:
        set_password(user, password.password.data or "", current_user.actor)
    except ServiceError as error:
        db.session.rollback()
        password.password.errors = [str(error)]
        return _render_user(user, UserEditForm(formdata=None, obj=user), password, 422)
    db.session.commit()
    flash("Neues Passwort gesetzt.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.post("/benutzer/<int:user_id>/sitzungen-beenden")
@admin_required
def user_end_sessions(user_id: int):
    """Log the account out everywhere: every session on every device ends (a lost laptop)."""
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        end_sessions(user, current_user.actor, "log_out_everywhere")
        db.session.commit()
        flash("Alle Sitzungen dieses Kontos sind beendet.", "success")
    if user.id == current_user.id:
        return redirect(url_for("admin.login"), code=303)
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/tokens", methods=["GET", "POST"])
@admin_required
def token_list():
    """API tokens: create one (shown once) or revoke."""
    form = TokenForm()
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
    form.user.choices = choices((str(u.id), u.username) for u in users)
    plaintext, status = None, 200
    if request.method == "POST":
        form.validate_on_submit()
        owner = db.session.get(User, int(form.user.data)) if (form.user.data or "").isdigit() else None
        if owner is None or not owner.active:
            form.user.errors = ["Bitte einen aktiven Benutzer wählen."]
            status = 422
        elif not (form.name.data or "").strip():
            form.name.errors = ["Bitte angeben, wofür das Token ist."]
            status = 422
        else:
            try:
                _, plaintext = create_api_token(owner, form.name.data, current_user.actor)
            except AccountTextError as error:
                db.session.rollback()
                form.name.errors = [error.problem]
                status = 422
            else:
                db.session.commit()
                form = TokenForm(formdata=None)
                form.user.choices = choices((str(u.id), u.username) for u in users)
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    # The plaintext is rendered once in this response and never stored: no redirect here.
    return render_template(
        "admin/token_list.html",
        form=form,
        tokens=tokens,
        plaintext=plaintext,
        errors=_summary(form),
        actions=ActionForm(formdata=None),
    ), status


@bp.post("/tokens/<int:token_id>/widerrufen")
@admin_required
def token_revoke(token_id: int):
    """Revoke a token; it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    revoke_api_token(token, current_user.actor)
    db.session.commit()
    flash(f"Token {token.prefix}… widerrufen.", "success")
    return redirect(url_for("admin.token_list"), code=303)


@bp.get("/protokoll")
@admin_required
def audit_log():
    """The audit log, newest first, optionally filtered by action."""
    action = without_forbidden(request.args.get("aktion") or "").strip()[:40]
    page = request.args.get("seite", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    statement = select(AuditEvent)
    if action:
        statement = statement.where(AuditEvent.action == action)
    events = db.session.scalars(
        statement.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template(
        "admin/audit_log.html",
        events=events[:AUDIT_PAGE_SIZE],
        has_more=len(events) > AUDIT_PAGE_SIZE,
        page=page,
        action=action,
        actions=actions,
    )
