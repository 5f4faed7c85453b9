"""places: the register of German places, and organisations linked to theirs by key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "places",
        sa.Column("key", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("official_name", sa.String(length=200), nullable=False),
        sa.Column("designation", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=220), nullable=False),
        sa.Column("parent_key", sa.String(length=12), nullable=True),
        sa.Column("district_key", sa.String(length=5), nullable=True),
        sa.Column("association_key", sa.String(length=9), nullable=True),
        sa.Column("state_key", sa.String(length=2), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_source", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('state', 'government_district', 'district', 'association', 'municipality')",
            name=op.f("ck_places_kind_known"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_places")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        for column in (
            "kind",
            "name_key",
            "parent_key",
            "district_key",
            "association_key",
            "state_key",
            "postcode",
            "population",
            "active",
        ):
            batch_op.create_index(batch_op.f(f"ix_places_{column}"), [column], unique=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_key", sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f("ix_organisations_place_key"), ["place_key"], unique=False)
    # Organisations that already carry an AGS are linked to that municipality.
    op.execute("UPDATE organisations SET place_key = ags WHERE ags IS NOT NULL")


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_place_key"))
        batch_op.drop_column("place_key")
    with op.batch_alter_table("places", schema=None) as batch_op:
        for column in (
            "kind",
            "name_key",
            "parent_key",
            "district_key",
            "association_key",
            "state_key",
            "postcode",
            "population",
            "active",
        ):
            batch_op.drop_index(batch_op.f(f"ix_places_{column}"))
    op.drop_table("places")
