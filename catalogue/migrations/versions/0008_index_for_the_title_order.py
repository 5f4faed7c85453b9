"""index for the public list's order: published profiles by title

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 22:55:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # /projekte orders the published profiles by title (then id); without an index every page
    # sorted the whole catalogue (30 ms at 10 000 profiles).
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_status_title", ["status", "title", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_status_title")
