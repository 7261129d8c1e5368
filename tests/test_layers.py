"""The layering rule (docs/architecture.md): no module of erlen imports a layer above its own.

From the bottom: ``core`` (sans-IO HTTP, routing, request, response), ``app`` (the application
layer), ``adapters`` (WSGI, ASGI, the servers, the CLI, the test clients), then ``ext`` and
``middleware`` side by side (neither imports the other), then ``compat``, and at the top the
public modules of the package itself (``erlen``, ``erlen.errors``...), which only re-export.

Every import counts: at module level, inside a function (a lazy import is still a dependency),
and under ``TYPE_CHECKING`` (a type from a layer above is a dependency on it all the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import erlen

pytestmark = pytest.mark.wsgi_only  # reads the source: once, not once per adapter

SOURCE = Path(erlen.__file__).parent

#: Layer ranks by subpackage; a module may import its own rank and below.
RANKS = {"core": 0, "app": 1, "adapters": 2, "ext": 3, "middleware": 3, "compat": 4}
TOP = 5

#: The top level holds the package and the documented public paths, nothing else.
PUBLIC_MODULES = {
    "__init__", "__main__", "apidocs", "cli", "errors", "flask_patch", "json", "params",
    "security", "sessions", "signals", "static", "templating", "testing", "views",
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> tuple[int, str]:
    """The rank of ``module`` and the name of its layer."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANKS:
        return RANKS[parts[1]], parts[1]
    return TOP, "erlen"


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (SOURCE / relative).is_dir() or (SOURCE / relative).with_suffix(".py").is_file()


def erlen_imports(path: Path) -> list[tuple[int, str]]:
    """Each erlen module ``path`` imports, with the line: ``from . import x`` names ``x``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((node.lineno, submodule if is_module(submodule) else target))
    return sorted({(line, target) for line, target in found if target.split(".")[0] == "erlen"})


def upward_imports() -> list[str]:
    errors = []
    for path in sorted(SOURCE.rglob("*.py")):
        importer = module_name(path)
        rank, layer = layer_of(importer)
        for line, target in erlen_imports(path):
            target_rank, target_layer = layer_of(target)
            sideways = rank == target_rank and layer != target_layer  # ext <-> middleware
            if target_rank > rank or sideways:
                where = path.relative_to(SOURCE.parent)
                errors.append(
                    f"{where}:{line}: {importer} ({layer}) imports {target} ({target_layer})"
                )
    return errors


def test_no_module_imports_a_layer_above_its_own() -> None:
    errors = upward_imports()
    assert not errors, "Upward imports:\n" + "\n".join(errors)


def test_the_top_level_holds_only_the_public_modules() -> None:
    modules = {path.stem for path in SOURCE.glob("*.py")}
    packages = {path.name for path in SOURCE.iterdir() if (path / "__init__.py").is_file()}
    assert modules == PUBLIC_MODULES
    assert packages == set(RANKS)
