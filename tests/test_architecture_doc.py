"""docs/architecture.md cannot go stale: every package it lists as a floor exists, every
import follows its "may import" column, and every function, class or method its "where
each rule lives" tables name can be imported."""

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
BACKTICKED = re.compile(r"`([^`]+)`")
DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def section(title: str) -> str:
    """The text under a "## title" heading, up to the next one."""
    start = DOC.index(f"## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text``, header and divider rows left out."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    return [r for r in rows if r[0] not in ("floor", "rule") and not set(r[0]) <= {"-"}]


def floors() -> dict[str, set[str] | None]:
    """{package: the packages it may import, or None for "anything"}."""
    allowed: dict[str, set[str] | None] = {}
    for _floor, packages, may_import, *_owns in table_rows(section("Floors")):
        names = set(BACKTICKED.findall(may_import))
        for package in BACKTICKED.findall(packages):
            allowed[package] = None if may_import == "anything" else names
    return allowed


def resolve(dotted: str) -> None:
    """Import the longest module prefix of ``dotted``, then look up the rest as attributes;
    raises ImportError or AttributeError."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise  # a module that exists failed to import something else
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return
    raise ImportError(dotted)


def imported_packages(package: str) -> dict[str, list[str]]:
    """{top-level name: ["file:line", ...]} of every absolute import in ``package``,
    function-level ones included; migrations left out."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for name in names:
                found.setdefault(name.split(".")[0], []).append(where)
    return found


def test_every_floor_package_exists():
    listed = floors()
    assert {"core", "accounts", "organisation", "insights", "msp_maturity"} <= set(listed)
    missing = [p for p in listed if not (ROOT / p / "__init__.py").is_file()]
    assert not missing, f"docs/architecture.md lists floors that do not exist: {missing}"


def test_every_package_imports_only_what_its_floor_may():
    listed = floors()
    wrong = [
        f"{package} imports {other} ({', '.join(places)})"
        for package, allowed in listed.items()
        if allowed is not None
        for other, places in imported_packages(package).items()
        if other in listed and other != package and other not in allowed
    ]
    assert not wrong, "imports the floors in docs/architecture.md forbid:\n" + "\n".join(wrong)


def test_every_name_in_the_rule_tables_exists():
    names = [
        name
        for row in table_rows(section("Where each rule lives"))
        for name in BACKTICKED.findall(row[-1])
        if DOTTED.fullmatch(name)
    ]
    assert len(names) > 50  # the tables were read
    missing = []
    for name in names:
        try:
            resolve(name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name} ({type(exc).__name__}: {exc})")
    assert not missing, "docs/architecture.md names what the code lacks:\n" + "\n".join(missing)
