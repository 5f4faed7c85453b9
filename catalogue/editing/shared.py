"""The data that profiles share – organisations and keywords – changed by a given user.

Like ``workflow`` for profiles, this is the one path of the admin and the API: the view parses
its input, calls one of these use cases with the acting user, and turns the result (or the
refusal raised: ``NotAllowed`` for the user's rights, ``ServiceError`` otherwise) into a page or
a document. An organisation or keyword that a published profile names changes that page, so
changing, merging or deleting it needs the right to publish (``rights.shared_change_refusal``).
Like the services, these functions flush and never commit.
"""

from __future__ import annotations

from .. import services
from ..models import Keyword, Organisation, Project, User
from . import merges
from .rights import check_shared_change


def save_organisation(
    organisation: Organisation | None, data: dict, user: User, *, actor: str | None = None
) -> tuple[Organisation, str]:
    """Create an organisation (``organisation`` None) or replace its facts with loaded
    ``OrganisationInputSchema`` input; returns it with "created", "updated" or "unchanged".
    ``actor`` names the writer in the change log and the audit log (an API token; default: the user)."""
    if organisation is not None:
        check_shared_change(user, organisations=[organisation])
    return services.save_organisation(data, actor or user.actor, organisation)


def merge_organisations(
    duplicate: Organisation, keep: Organisation, user: User, *, actor: str | None = None
) -> list[Project]:
    """Merge ``duplicate`` into ``keep`` (see merges.merge_organisations); the profiles that changed."""
    check_shared_change(user, organisations=[duplicate, keep])
    return merges.merge_organisations(duplicate, keep, actor or user.actor)


def delete_organisation(organisation: Organisation, user: User, *, actor: str | None = None) -> None:
    """Delete an organisation that takes part in no profile (see merges.delete_organisation)."""
    check_shared_change(user, organisations=[organisation])
    merges.delete_organisation(organisation, actor or user.actor)


def rename_keyword(keyword: Keyword, new_name: str, user: User, *, actor: str | None = None) -> Keyword:
    """Rename a keyword everywhere, or merge it into the one that has the name already; the kept keyword."""
    check_shared_change(user, keywords=[keyword])
    return merges.rename_keyword(keyword, new_name, actor or user.actor)


def merge_keywords(duplicate: Keyword, keep: Keyword, user: User, *, actor: str | None = None) -> list[Project]:
    """Replace ``duplicate`` by ``keep`` on every profile; the profiles that changed.

    Only the profiles of the merged-away keyword change (those of ``keep`` stay as they are),
    so only ``duplicate`` needs the right to change it."""
    check_shared_change(user, keywords=[duplicate])
    return merges.merge_keywords(duplicate, keep, actor or user.actor)
