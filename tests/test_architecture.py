"""The package rules, checked on every import statement of the code (docs/developers.md).

- ``clinic_core`` is the clinic's domain: it imports no Rasa and none of the
  processes' packages, so every process can use it the same way.
- ``ops`` (launcher, deployment) is imported only by entry points, the
  benchmarks and the tests: the services never depend on how they are run.
- The staff console, the website and the channels read the domain from
  ``clinic_core``, never from the action server's package ``actions``.
- No two packages import each other, directly or through a third.
- The services read settings only through ``clinic_core/settings.py``: no
  ``os.environ`` or ``os.getenv`` in their code outside that module and the
  ``__main__`` entry points.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from clinic_core.settings import ROOT

PACKAGES = (
    "actions",
    "channels",
    "clinic_core",
    "ops",
    "rasa_extensions",
    "staff_console",
    "website",
    "bench",
)
# package -> top-level modules it must not import
FORBIDDEN: Dict[str, Set[str]] = {
    "clinic_core": {
        "rasa",
        "rasa_sdk",
        "actions",
        "channels",
        "ops",
        "rasa_extensions",
        "staff_console",
        "website",
        "bench",
    },
    "actions": {"ops", "staff_console", "channels", "website", "rasa_extensions", "bench"},
    "channels": {"ops", "actions", "staff_console", "website", "bench"},
    "rasa_extensions": {"ops", "actions", "staff_console", "website", "bench"},
    "staff_console": {"ops", "actions", "rasa", "rasa_sdk", "channels", "website", "bench"},
    "website": {"ops", "actions", "rasa", "rasa_sdk", "staff_console", "channels", "bench"},
    "ops": {"bench"},
}

Import = Tuple[Path, int, str]  # file, line, module
# The services' packages, which read settings only through the settings module.
SERVICES = ("actions", "channels", "clinic_core", "rasa_extensions", "staff_console", "website")
SETTINGS_MODULE = Path("clinic_core") / "settings.py"


def imports_of(package: str, root: Path = ROOT) -> Iterator[Import]:
    """Every absolute import in a package's Python files, with where it is."""
    for path in sorted((root / package).rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.lineno, node.module


def broken_rules(root: Path = ROOT) -> List[str]:
    """One line per import that breaks a rule in ``FORBIDDEN``."""
    found = []
    for package, forbidden in FORBIDDEN.items():
        for path, line, module in imports_of(package, root):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(root)}:{line}: {package} imports {module}")
    return found


def environment_reads(root: Path = ROOT) -> List[str]:
    """One line per use of ``os.environ`` or ``os.getenv`` outside the settings module."""
    found = []
    for package in SERVICES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative == SETTINGS_MODULE or path.name == "__main__.py":
                continue
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("environ", "getenv")
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "os"
                ) or (
                    isinstance(node, ast.ImportFrom)
                    and node.module == "os"
                    and any(alias.name in ("environ", "getenv") for alias in node.names)
                ):
                    found.append(f"{relative}:{node.lineno}: reads the environment")
    return found


def package_graph(root: Path = ROOT) -> Dict[str, Set[str]]:
    """Which of our packages each package imports."""
    graph: Dict[str, Set[str]] = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for _, _, module in imports_of(package, root):
            top = module.split(".")[0]
            if top in graph and top != package:
                graph[package].add(top)
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Import cycles between packages, each as the path that closes it."""
    found: List[List[str]] = []

    def visit(package: str, path: List[str]) -> None:
        for used in sorted(graph[package]):
            if used in path:
                found.append([*path[path.index(used) :], used])
            else:
                visit(used, [*path, used])

    for package in sorted(graph):
        visit(package, [package])
    return found


def test_packages_import_only_what_the_layering_allows() -> None:
    assert broken_rules() == []


def test_no_two_packages_depend_on_each_other() -> None:
    assert cycles(package_graph()) == []


def test_every_entry_point_may_use_ops_but_no_service_does() -> None:
    """ops is reachable only from itself, the benchmarks and the tests."""
    users = {package for package, used in package_graph().items() if "ops" in used}
    assert users <= {"bench"}


@pytest.mark.parametrize(
    ("package", "line"),
    [
        ("clinic_core", "from rasa_sdk import Tracker"),
        ("clinic_core", "import actions.session"),
        ("staff_console", "from ops.settings import server_env"),
        ("website", "from actions.booking.forms import ValidateBookingForm"),
    ],
)
def test_a_forbidden_import_is_reported(tmp_path: Path, package: str, line: str) -> None:
    """The rules catch an import added anywhere, even inside a function."""
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / package / "module.py").write_text(f"def late():\n    {line}\n")
    [broken] = broken_rules(tmp_path)
    assert broken.startswith(f"{package}/module.py:2: {package} imports ")


def test_services_read_settings_only_through_the_settings_module() -> None:
    assert environment_reads() == []


@pytest.mark.parametrize(
    "line",
    [
        "os.environ.get('REDIS_HOST')",
        "int(os.getenv('MAX_MESSAGE_CHARS', '1000'))",
        "EdgeGuard.from_env(os.environ)",
    ],
)
def test_an_environment_read_outside_the_settings_module_is_reported(
    tmp_path: Path, line: str
) -> None:
    for name in SERVICES:
        (tmp_path / name).mkdir()
    (tmp_path / "clinic_core" / "settings.py").write_text("import os\nsource = os.environ\n")
    (tmp_path / "channels" / "__main__.py").write_text(
        "import os\nos.environ.setdefault('A', 'b')\n"
    )
    (tmp_path / "channels" / "module.py").write_text(f"import os\n\n\ndef late():\n    {line}\n")
    assert environment_reads(tmp_path) == ["channels/module.py:5: reads the environment"]


def test_a_cycle_between_packages_is_reported() -> None:
    graph = {"staff_console": {"ops"}, "ops": {"staff_console"}, "bench": {"ops"}}
    assert cycles(graph)[0] == ["ops", "staff_console", "ops"]
