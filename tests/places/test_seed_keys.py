"""Every seeded municipal organisation carries the key of its place, and each key is right:
the register's place of that key has the organisation's name, state and district."""

from __future__ import annotations

from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Organisation
from catalogue.places.directory import get_place, resolve_place
from catalogue.places.naming import short_key

MUNICIPAL = ("municipality", "municipal_association", "district")


def test_seeded_keys_match_the_shipped_register(runner, seeded):
    loaded = runner.invoke(args=["places", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "WARNUNG" not in loaded.output  # no seeded organisation points to a missing place
    organisations = db.session.scalars(select(Organisation).where(Organisation.kind.in_(MUNICIPAL))).all()
    assert len(organisations) >= 60
    for organisation in organisations:
        assert organisation.place_key, organisation.name  # every one of them resolved unambiguously
        place = get_place(organisation.place_key)
        assert place is not None, organisation.name
        assert place.state_code == organisation.state, organisation.name
        ours, theirs = short_key(organisation.name), short_key(place.name)
        assert ours in theirs or theirs in ours, (
            organisation.name,
            place.name,
        )  # "Rüsselsheim" ~ "Rüsselsheim am Main"
        # the key is the one resolution finds from name, state and district alone
        resolution = resolve_place(
            organisation.name, state=organisation.state, district=organisation.district, kind=organisation.kind
        )
        assert resolution.place is not None and resolution.place.key == place.key, organisation.name
        if organisation.kind == "municipality":
            assert organisation.ags == place.key
