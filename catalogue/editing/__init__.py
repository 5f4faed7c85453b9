"""Editing use cases on top of the services, one module per concern:

- ``workflow``  saving, publishing, archiving, review requests and proposals as a given user:
  the one path that the admin and the API both take
- ``shared``    changing, merging and deleting organisations and keywords as a given user:
  the admin's and the API's one path for the data that profiles share
- ``rights``    who may change what
- ``proposals`` change proposals of review-only editors, and their review
- ``restore``   old versions made current again
- ``merges``    merging and deleting organisations and keywords
- ``diffs``     readable field-by-field differences and the German labels

Like services.py these functions take the actor explicitly, flush and never commit.
"""

from __future__ import annotations

# The names other packages (and the tests) use, so that callers need not know the module.
from ..writes import NotAllowed
from . import shared, workflow
from .diffs import FIELD_LABELS, STATUS_LABELS, FieldDiff, diff_snapshots, proposed_snapshot
from .merges import delete_organisation, merge_keywords, merge_organisations, rename_keyword
from .proposals import (
    PROPOSAL_STATUS_LABELS,
    ProposalConflict,
    accept_proposal,
    open_proposals,
    own_open_proposal,
    proposals_by,
    propose_change,
    review_proposal,
)
from .rights import may_publish, needs_review, shared_change_refusal
from .workflow import Outcome, projects_awaiting_review

__all__ = [
    "FIELD_LABELS",
    "PROPOSAL_STATUS_LABELS",
    "STATUS_LABELS",
    "FieldDiff",
    "NotAllowed",
    "Outcome",
    "ProposalConflict",
    "accept_proposal",
    "delete_organisation",
    "diff_snapshots",
    "may_publish",
    "merge_keywords",
    "merge_organisations",
    "needs_review",
    "open_proposals",
    "own_open_proposal",
    "projects_awaiting_review",
    "propose_change",
    "proposals_by",
    "proposed_snapshot",
    "rename_keyword",
    "review_proposal",
    "shared",
    "shared_change_refusal",
    "workflow",
]
