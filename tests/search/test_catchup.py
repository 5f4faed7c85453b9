"""Catch-up follows real commits only, and a backlog is never worked off inside one request."""

import json

from catalogue import search
from catalogue.models import latest_change_seq

from conftest import project_data


def store_of(app):
    return app.extensions["catalogue_search"]


def _write_json(path, titles):
    records = [project_data(title=title, slug=f"import-{n}") for n, title in enumerate(titles)]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_leaves_the_index_current_when_the_command_ends(app, runner, tmp_path):
    # Each record is saved in a savepoint: SQLAlchemy's after_commit fires at each one, before
    # the outer commit; catch-up then found nothing yet and the real commit triggered nothing.
    source = _write_json(tmp_path / "profiles.json", ["Erster Bauhof", "Zweiter Bauhof", "Dritter Bauhof"])
    result = runner.invoke(args=["import", str(source)])
    assert result.exit_code == 0, result.output
    assert latest_change_seq() == 3
    assert store_of(app).meta()["seq"] == 3  # applied by the commit itself, before any search
    assert search.index_lag() == search.sync.Lag(0, 0.0)


def test_a_failing_record_does_not_keep_the_others_out_of_the_index(app, runner, tmp_path):
    records = [
        project_data(title="Guter Bauhof", slug="gut"),
        project_data(title="", slug="leer"),
        project_data(title="Noch ein guter Bauhof", slug="auch-gut"),
    ]
    source = tmp_path / "mixed.json"
    source.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(source)])
    assert result.exit_code == 1, result.output
    assert store_of(app).meta()["seq"] == latest_change_seq() == 2


def test_a_request_applies_one_bounded_step_and_the_lag_shows_the_rest(
    app, client, make_app, make_project, monkeypatch
):
    search.catch_up()  # start current (the suite empties the database between tests)
    monkeypatch.setitem(app.config, "SEARCH_CATCHUP_STEP", 2)
    monkeypatch.setitem(app.config, "SEARCH_BACKGROUND_CATCHUP", False)
    other = make_app()  # another machine writes; this machine's index falls behind
    with other.app_context():
        for n in range(5):
            make_project(title=f"Bauhof Nummer {n}", slug=f"bauhof-{n}")
    lag = search.index_lag()
    assert lag.changes == 5 and lag.seconds >= 0
    assert client.get("/suche?q=Bauhof").status_code == 200
    assert search.index_lag().changes == 3
    client.get("/suche?q=Bauhof")
    client.get("/suche?q=Bauhof")
    assert search.index_lag().changes == 0
    assert client.get("/suche?q=Bauhof").get_data(as_text=True).count('href="/projekte/bauhof-') == 5


def test_a_background_thread_works_off_the_backlog(app, client, make_app, make_project, monkeypatch):
    search.catch_up()
    monkeypatch.setitem(app.config, "SEARCH_CATCHUP_STEP", 1)
    other = make_app()
    with other.app_context():
        for n in range(4):
            make_project(title=f"Bauhof Nummer {n}", slug=f"bauhof-{n}")
    assert client.get("/suche?q=Bauhof").status_code == 200  # one step, the rest in the background
    store = store_of(app)
    assert store.background is not None
    store.background.join(timeout=120)
    assert not store.background.is_alive()
    assert search.index_lag().changes == 0
    assert len(search.search_projects("Bauhof").ids) == 4


def test_commands_outside_requests_catch_up_completely(app, make_app, make_project):
    search.catch_up()
    other = make_app()
    with other.app_context():
        for n in range(3):
            make_project(title=f"Bauhof Nummer {n}", slug=f"bauhof-{n}")
    assert search.catch_up() == 3
    assert search.index_lag().changes == 0
