"""register_loads: every load of the register that changed places (the register's stamp);
places.active without an index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite, having no statistics, took the index on "active" (true for all but a few places)
    # for any query that asked for active places, over the key, the district or the kind, and
    # read all 16,000 places: 10-20 ms for a map's eight outlines or a district's members.
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_active"))
    table = op.create_table(
        "register_loads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("vanished", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_loads")),
    )
    # A register loaded before this revision gets its stamp now: what was cached from it is
    # keyed by a version without one, and so made afresh.
    connection = op.get_bind()
    total = connection.execute(sa.text("SELECT COUNT(*) FROM places")).scalar() or 0
    if total:
        import datetime as dt

        op.bulk_insert(
            table,
            [
                {
                    "loaded_at": dt.datetime.now(dt.UTC),
                    "source": "",
                    "total": total,
                    "new": 0,
                    "changed": 0,
                    "vanished": 0,
                }
            ],
        )


def downgrade():
    op.drop_table("register_loads")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_active"), ["active"], unique=False)
