"""Editing use cases on top of the services, one module per concern:

- ``workflow``  saving, publishing, archiving, review requests and proposals as a given user:
  the one path that the admin and the API both take
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
from .diffs import FIELD_LABELS, STATUS_LABELS, FieldDiff, diff_snapshots, field_lines, input_as_snapshot, proposed_snapshot
from .merges import delete_organisation, merge_keywords, merge_organisations, rename_keyword
from .proposals import (
    MAX_NOTE_LENGTH,
    PROPOSAL_STATUS_LABELS,
    ProposalConflict,
    ProposalReview,
    accept_proposal,
    open_proposals,
    own_open_proposal,
    propose_change,
    propose_restore,
    proposals_by,
    reject_proposal,
    review_proposal,
    withdraw_proposal,
)
from .restore import input_as_raw, load_input, restore_revision, snapshot_to_input, snapshot_to_raw
from .rights import check_status_change, may_publish, needs_review, shared_change_refusal
from .workflow import (
    audit_status_change,
    clear_review_request,
    projects_awaiting_review,
    request_review,
    set_status,
)

__all__ = [
    "FIELD_LABELS", "MAX_NOTE_LENGTH", "PROPOSAL_STATUS_LABELS", "STATUS_LABELS", "FieldDiff", "NotAllowed",
    "ProposalConflict", "ProposalReview", "accept_proposal", "audit_status_change", "check_status_change",
    "clear_review_request", "delete_organisation", "diff_snapshots", "field_lines", "input_as_raw",
    "input_as_snapshot", "load_input", "may_publish", "merge_keywords", "merge_organisations", "needs_review",
    "open_proposals", "own_open_proposal", "projects_awaiting_review", "propose_change", "propose_restore",
    "proposals_by", "proposed_snapshot", "reject_proposal", "rename_keyword", "request_review",
    "restore_revision", "review_proposal", "set_status", "shared_change_refusal", "snapshot_to_input",
    "snapshot_to_raw", "withdraw_proposal",
]
