"""admin: change proposals (editors who may not publish) and form stashes (input kept across an expired login)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:32:13.714893

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_stashes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_stashes")),
    )
    with op.batch_alter_table("form_stashes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_stashes_created_at"), ["created_at"], unique=False)

    op.create_table(
        "change_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'rejected', 'withdrawn', 'superseded')",
            name=op.f("ck_change_proposals_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_change_proposals_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_proposals")),
    )
    with op.batch_alter_table("change_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_proposals_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_proposals_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_proposals_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("change_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_change_proposals_project_id"))
        batch_op.drop_index(batch_op.f("ix_change_proposals_created_by"))

    op.drop_table("change_proposals")
    with op.batch_alter_table("form_stashes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_stashes_created_at"))

    op.drop_table("form_stashes")
