"""projects.content_changed_at: when the content last changed (status-only saves leave it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:30:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # The list's order "neueste", JSON-LD's dateModified and the search's order used updated_at,
    # which publishing or taking a profile offline moves; the profile page showed the time of its
    # last content revision. One column, kept by the services, serves all of them.
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_changed_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    projects = dict(connection.execute(sa.text("SELECT id, created_at FROM projects")).all())
    # Per profile: its first version and its last revision that changed more than the status.
    first: dict = {}
    latest: dict = {}
    rows = connection.execute(
        sa.text("SELECT project_id, version, created_at, changed_fields FROM revisions ORDER BY project_id, version")
    )
    for project_id, version, created_at, changed in rows:
        first.setdefault(project_id, version)
        fields = json.loads(changed) if isinstance(changed, str) else (changed or [])
        if set(fields) - {"status"}:
            latest[project_id] = (version, created_at)
    for project_id, created_at in projects.items():
        version, changed_at = latest.get(project_id, (None, None))
        if changed_at is None or version == first.get(project_id):
            changed_at = created_at  # the content is as first loaded: equal to created_at, as services keep it
        connection.execute(
            sa.text("UPDATE projects SET content_changed_at = :at WHERE id = :id"),
            {"at": changed_at, "id": project_id},
        )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.alter_column("content_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f("ix_projects_content_changed_at"), ["content_changed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_content_changed_at"))
        batch_op.drop_column("content_changed_at")
