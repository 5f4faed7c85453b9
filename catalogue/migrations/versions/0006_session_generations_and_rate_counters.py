"""session generations per user and rate counters in the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counters")),
    )
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_counters_window_start"), ["window_start"], unique=False)


def downgrade():
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_counters_window_start"))
    op.drop_table("rate_counters")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
