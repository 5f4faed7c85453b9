"""The index follows the change log: other instances, crashes, reindex, broken folders."""

import shutil
import threading

from catalogue import search
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.services import change_status


def store_of(app):
    return app.extensions["catalogue_search"]


def test_two_instances_on_two_folders_converge(app, make_app, make_project):
    first = make_project(title="Gemeinsamer Bauhof").id
    other = make_app()
    with other.app_context():
        assert search.search_projects("Bauhof").ids == [first]
        second = make_project(title="Zweiter Bauhof").id  # written through the other machine
    assert sorted(search.search_projects("Bauhof").ids) == sorted([first, second])
    db.session.rollback()  # end the read snapshot taken before the other machine wrote (like a new request)
    change_status(db.session.get(Project, first), "draft", "test")
    db.session.commit()
    with other.app_context():
        assert search.search_projects("Bauhof").ids == [second]
    assert search.search_projects("Bauhof").ids == [second]


def test_workers_on_one_folder_share_commits_and_reuse_their_searcher(make_app, make_project, tmp_path):
    folder = tmp_path / "shared"
    one, two = make_app(folder), make_app(folder)
    with one.app_context():
        store = store_of(one)
        search.search_projects("Bauhof")
        before = store.searcher()
        search.search_projects("Bauhof")
        assert store.searcher() is before  # nothing changed: the same searcher, not reopened
    with two.app_context():
        project = make_project(title="Geteilter Bauhof").id  # committed and indexed by the other worker
    with one.app_context():
        assert search.search_projects("Bauhof").ids == [project]
        assert store.searcher() is not before  # refreshed for the new index generation


def test_crash_between_commit_and_index_write_is_repaired(app, make_project):
    store = store_of(app)
    make_project(title="Vor dem Absturz")
    generation = store.root / store.current_generation()
    saved = store.root / "saved-before-write"
    shutil.copytree(generation, saved)
    lost = make_project(title="Verlorener Bauhof")  # committed, and indexed ...
    shutil.rmtree(generation)
    shutil.copytree(saved, generation)  # ... but the index write never reached the disk
    store._searcher = None
    assert search.search_projects("Bauhof", with_facets=False).ids == [lost.id]  # catch-up repaired it


def test_reindex_swaps_atomically_while_searches_answer(app, runner, make_project):
    made = [make_project(title=f"Bauhof {n}") for n in range(5)]
    errors, totals, stop = [], set(), threading.Event()

    def keep_searching():
        with app.app_context():
            while not stop.is_set():
                try:
                    totals.add(search.search_projects("Bauhof").total)
                except Exception as error:  # noqa: BLE001 - any failure is the finding
                    errors.append(error)

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        for _ in range(3):
            result = runner.invoke(args=["reindex"])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join()
    assert errors == [] and totals == {len(made)}
    assert len([p for p in store_of(app).root.iterdir() if p.name.startswith("gen-")]) <= 2


def test_missing_or_corrupt_index_is_rebuilt_at_start(make_app, make_project, tmp_path):
    # Only the id crosses into the other app: touching this app's (expired) row there would
    # load it through the other app's engine and keep that connection past its disposal.
    project_id = make_project(title="Gemeinsamer Bauhof").id
    missing = tmp_path / "missing"
    no_toc, bad_toc, dangling = tmp_path / "no-toc", tmp_path / "bad-toc", tmp_path / "dangling"
    for folder in (no_toc, bad_toc):
        (folder / "gen-broken").mkdir(parents=True)
        (folder / "CURRENT").write_text("gen-broken")
    (no_toc / "gen-broken" / "stray-file").write_bytes(b"not an index")  # no table of contents
    (bad_toc / "gen-broken" / "_MAIN_1.toc").write_bytes(b"\x00garbage" * 10)  # an unreadable one
    dangling.mkdir()
    (dangling / "CURRENT").write_text("gen-gone")  # names a folder that is not there
    for folder in (missing, no_toc, bad_toc, dangling):
        other = make_app(folder)
        with other.app_context():
            assert search.search_projects("Bauhof").ids == [project_id], folder.name


def test_index_of_an_older_version_is_rebuilt_at_start(make_app, make_project, tmp_path):
    """An index made by an older analyzer would not match new queries (INDEX_VERSION)."""
    from catalogue.search.schema import INDEX_VERSION, META_ID

    project_id = make_project(title="Gemeinsamer Bauhof").id  # only the id crosses into other apps
    folder = tmp_path / "old"
    first = make_app(folder)
    store = store_of(first)
    with first.app_context():
        old_generation, meta = store.current_generation(), store.meta()
        writer = store.index().writer()
        writer.update_document(id=META_ID, meta={"seq": meta["seq"], "fingerprint": meta["fingerprint"]})
        writer.commit()
    again = make_app(folder)
    with again.app_context():
        assert store_of(again).current_generation() != old_generation
        assert store_of(again).meta()["version"] == INDEX_VERSION
        assert search.search_projects("Bauhof").ids == [project_id]


def test_database_reset_is_detected(app, make_project):
    make_project(title="Alter Bauhof")
    store = store_of(app)
    assert store.meta()["seq"] >= 1
    # The suite truncates tables between tests: the next test's writes reuse seq 1.
    # A fingerprint per cursor detects it; here the same happens within one test:
    with db.engine.begin() as connection:
        from sqlalchemy import text

        for table in (
            "changes",
            "revisions",
            "project_keywords",
            "participations",
            "contacts",
            "links",
            "project_updates",
            "projects",
        ):
            connection.execute(text(f"DELETE FROM {table}"))
    fresh = make_project(title="Neuer Bauhof")
    assert search.search_projects("Bauhof").ids == [fresh.id]
