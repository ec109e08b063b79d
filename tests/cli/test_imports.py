"""The CLI's modules import each other one way (#12: no import cycles). The TUI's own modules
are checked by the TUI's tests; this covers everything else under behflow_cli."""

from __future__ import annotations

import grimp


def test_no_import_cycles_outside_the_tui() -> None:
    graph = grimp.build_graph("behflow_cli")
    cycles = sorted(
        (module, imported)
        for module in graph.modules
        if not module.startswith("behflow_cli.tui")
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("behflow_cli")
        and graph.chain_exists(importer=imported, imported=module)
    )
    assert cycles == []
