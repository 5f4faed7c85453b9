"""Accounts, API tokens and the audit log, through the CLI and the services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.accounts import authenticate, create_api_token, create_user, user_for_token
from catalogue.extensions import db
from catalogue.models import ApiToken, AuditEvent, Change, User
from catalogue.schemas import OrganisationInputSchema
from catalogue.services import ServiceError, save_organisation


def test_create_user_from_stdin_and_authenticate(app, runner, monkeypatch):
    """With the production setting (scrypt, the default): the suite's cheap method is only for speed."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    result = runner.invoke(
        args=["create-user", "Anna", "--role", "admin", "--password-stdin"], input="ein langes Passwort\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.username == "anna" and user.role == "admin"
    assert user.password_hash.startswith("scrypt:")
    assert authenticate("anna", "ein langes Passwort") == user
    assert authenticate("anna", "falsch") is None and authenticate("niemand", "x") is None


def test_create_user_asks_for_the_password_twice_without_echoing_it(runner):
    typed = "ein langes Passwort\nein anderes Passwort\nein langes Passwort\nein langes Passwort\n"
    result = runner.invoke(args=["create-user", "dora", "--role", "editor"], input=typed)
    assert result.exit_code == 0, result.output
    assert result.output.count("Passwort wiederholen") == 2  # the mismatch is asked again
    assert "ein langes Passwort" not in result.output and "ein anderes Passwort" not in result.output
    user = authenticate("dora", "ein langes Passwort")
    assert user is not None and user.role == "editor" and user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert authenticate("dora", "ein anderes Passwort") is None
    assert db.session.scalar(select(AuditEvent.actor)) == "cli"


def test_create_user_refuses_short_password_and_duplicates(runner):
    assert (
        runner.invoke(args=["create-user", "bernd", "--role", "editor", "--password-stdin"], input="kurz\n").exit_code
        == 1
    )
    runner.invoke(args=["create-user", "bernd", "--role", "editor", "--password-stdin"], input="ein langes Passwort\n")
    again = runner.invoke(
        args=["create-user", "Bernd", "--role", "editor", "--password-stdin"], input="ein langes Passwort\n"
    )
    assert again.exit_code == 1 and "gibt es schon" in again.output


def test_the_cli_refuses_control_characters_and_overlong_account_texts(runner):
    """The same rule as every input (catalogue.textutil), the same on SQLite and PostgreSQL."""
    create = ["create-user", "erna", "--role", "editor", "--password-stdin"]
    refused = runner.invoke(args=[*create, "--display-name", "x" * 300], input="ein langes Passwort\n")
    assert refused.exit_code == 1 and "Angezeigter Name: Höchstens 120 Zeichen" in refused.output
    refused = runner.invoke(args=[*create, "--email", "erna\x07@example.org"], input="ein langes Passwort\n")
    assert refused.exit_code == 1 and "E-Mail: Enthält das Steuerzeichen U+0007" in refused.output
    assert runner.invoke(args=create, input="ein langes Passwort\n").exit_code == 0
    refused = runner.invoke(args=["create-token", "erna", "--name", "Portal\x1b"])
    assert refused.exit_code == 1 and "Name des Tokens: Enthält das Steuerzeichen U+001B" in refused.output
    assert db.session.scalar(select(ApiToken)) is None


def test_tokens_are_printed_once_stored_hashed_and_revocable(runner):
    runner.invoke(args=["create-user", "portal", "--role", "editor", "--password-stdin"], input="ein langes Passwort\n")
    result = runner.invoke(args=["create-token", "portal", "--name", "Landesportal"])
    assert result.exit_code == 0
    plaintext = result.output.splitlines()[0]
    assert plaintext.startswith("ikz_") and len(plaintext) > 40
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash != plaintext and plaintext not in token.token_hash
    user, _ = user_for_token(plaintext)
    assert user.username == "portal" and token.last_used_at is not None
    assert runner.invoke(args=["revoke-token", token.prefix]).exit_code == 0
    db.session.expire_all()
    assert user_for_token(plaintext) is None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user_create", "token_create", "token_revoke"]


def test_tokens_of_deactivated_users_stop_working():
    user = create_user("clara", "ein langes Passwort", "editor", "test")
    _, plaintext = create_api_token(user, "x", "test")
    user.active = False
    db.session.flush()
    assert user_for_token(plaintext) is None
    assert authenticate("clara", "ein langes Passwort") is None


def test_unknown_and_garbage_tokens_are_rejected():
    assert user_for_token("") is None and user_for_token("ikz_falsch") is None and user_for_token("x" * 5000) is None


def test_editing_an_organisation_logs_its_profiles_as_changed(make_project):
    project = make_project()
    organisation = project.lead
    data = OrganisationInputSchema().load(
        {"name": "Stadt Musterstadt", "kind": "municipality", "ags": "05999001", "population": 4242}
    )
    _, action = save_organisation(data, "test", organisation)
    db.session.commit()
    assert action == "updated" and organisation.population == 4242
    assert db.session.scalars(select(Change.action).order_by(Change.seq)).all() == ["create", "update"]
    assert save_organisation(data, "test", organisation)[1] == "unchanged"


def test_creating_an_organisation_that_exists_by_name_is_refused(make_project):
    make_project()
    with pytest.raises(ServiceError, match="Stadt Musterstadt"):
        save_organisation(OrganisationInputSchema().load({"name": "Musterstadt"}), "test")
    organisation, action = save_organisation(
        OrganisationInputSchema().load({"name": "Neustadt", "kind": "municipality"}), "test"
    )
    assert action == "created" and organisation.slug == "neustadt"


def test_organisation_ags_stays_unique(make_project):
    make_project()
    data = OrganisationInputSchema().load({"name": "Andere Stadt", "ags": "05999001"})
    with pytest.raises(ServiceError, match="AGS"):
        save_organisation(data, "test")
