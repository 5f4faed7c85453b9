"""index for the newest-first order: published profiles by content_changed_at

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:15:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # /projekte?sort=neueste and the start page's recent profiles order the published profiles
    # by content_changed_at (then id), newest first; through ix_projects_status SQLite read and
    # sorted every published row (30-75 ms at 10,000 profiles). A backward index range scan now.
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_status_changed", ["status", "content_changed_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_status_changed")
