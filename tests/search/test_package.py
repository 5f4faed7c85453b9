"""The shape of the search package: no import cycles, Whoosh's internals in one module that
says clearly when an installed Whoosh no longer has them."""

import ast
from pathlib import Path

import catalogue.search
from catalogue.search import w3
from catalogue.search.schema import INDEX_VERSION, META_ID, write_document
from catalogue.search.store import IndexStore

PACKAGE = Path(catalogue.search.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> sibling modules it imports (anywhere in the file, also inside functions)."""
    graph = {}
    for path in PACKAGE.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        graph[path.stem] = found - {path.stem}
    return graph


def test_the_search_modules_import_each_other_without_cycles():
    graph, done, path = _imports(), set(), []

    def visit(module):
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(module) :] + [module]))
        if module in done:
            return
        path.append(module)
        for other in sorted(graph.get(module, ())):
            if other != "__init__":
                visit(other)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_only_w3_touches_private_names_of_whoosh():
    for path in PACKAGE.glob("*.py"):
        if path.stem == "w3":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}: belongs in w3.py"
    assert "matcher._" not in (PACKAGE / "engine.py").read_text(encoding="utf-8")


def test_the_installed_whoosh_still_has_the_internals_the_engine_reads(tmp_path):
    store = IndexStore(tmp_path / "index")
    name, ix = store.new_generation()
    writer = ix.writer()
    write_document(
        writer,
        {
            "id": 1,
            "slug": "p1",
            "status": "published",
            "title": "Gemeinsamer Bauhof",
            "summary": "Bauhof.",
            "body": "",
            "keywords": ["Bauhof"],
            "organisations": ["Stadt Muster"],
            "states": ["DE-NW"],
            "districts": [],
            "kinds": ["municipality"],
            "legal_form": "",
            "since_year": None,
            "updated": 0.0,
        },
        update=False,
    )
    writer.add_document(id=META_ID, meta={"seq": 0, "fingerprint": "", "version": INDEX_VERSION})
    writer.commit()
    store.swap(name)
    missing = w3.missing_internals(store.searcher(), "title", "bauhof")
    assert not missing, (
        "the installed Whoosh lacks internals that catalogue/search/w3.py reads; adapt w3.py "
        "to this Whoosh version or pin the previous one: " + ", ".join(missing)
    )
