"""Layers run one way: ``matcher`` (core) <- ``training`` <- ``api`` <- CLI.

Every module of the three packages is parsed (not imported) and every import statement in
it is checked, including those inside functions and ``if TYPE_CHECKING:`` blocks: a
function-level import dodges a cycle at import time but is still a dependency. The CLI
(``matcher/cli/``, ``matcher/__main__.py``) is the top layer even though it lives in the
``matcher`` package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matcher", "training", "api")
# rank: a module may import only modules of its own rank or lower
RANK = {"matcher": 0, "training": 1, "api": 2, "cli": 3}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name, or None for modules outside the project."""
    top = module.split(".")[0]
    if top not in PACKAGES:
        return None
    if top == "matcher" and (
        module == "matcher.__main__" or module == "matcher.cli" or module.startswith("matcher.cli.")
    ):
        return "cli"
    return top


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """``(line, dotted names)`` of every import statement anywhere in the tree, relative
    ones resolved.

    ``from a import b`` names ``a`` and ``a.b`` (b may be a submodule: ``from matcher import
    cli`` is an import of the CLI)."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.append((node.lineno, [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, [target] + [f"{target}.{a.name}" for a in node.names]))
    return found


def back_edges(root: Path) -> list[str]:
    """``file:line: importer (layer) imports target (layer)``, one per import statement
    that points up a layer."""
    problems = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            source = layer_of(module)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, targets in imported_modules(tree, module, path.name == "__init__.py"):
                up = [(RANK[lay], t, lay) for t in targets if (lay := layer_of(t)) is not None]
                up = [edge for edge in up if edge[0] > RANK[source]]
                if up:
                    _, target, target_layer = min(up, key=lambda e: (-e[0], len(e[1])))
                    problems.append(
                        f"{path.relative_to(root)}:{line}: {module} ({source}) imports "
                        f"{target} ({target_layer})"
                    )
    return problems


def test_layers_run_one_way():
    problems = back_edges(ROOT)
    assert not problems, "imports against the layers (matcher <- training <- api <- CLI):\n" + (
        "\n".join(problems)
    )


def test_every_package_is_scanned():
    """The walk finds the modules that matter, so an empty scan cannot pass silently."""
    scanned = {module_name(p, ROOT) for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    assert {"matcher.service", "matcher.registry", "training.retrain", "api.main"} <= scanned
    assert any(m.startswith("matcher.cli.") for m in scanned)


@pytest.mark.parametrize(
    "importer, code, target",
    [
        # a function-level import in the core: what matcher/service.py once did
        (
            "matcher/service.py",
            "def f():\n    from training.registry import Registry\n",
            "training",
        ),
        # training opening the API's store, as training/retrain.py once did
        ("training/retrain.py", "import api.store.outcomes\n", "api"),
        # the core reaching the CLI through a relative import
        ("matcher/data/x.py", "from ..cli import main\n", "cli"),
        ("matcher/util.py", "from matcher import cli\n", "cli"),
        # hidden behind TYPE_CHECKING is still an edge
        (
            "api/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import matcher.cli\n",
            "cli",
        ),
    ],
)
def test_a_back_edge_fails_naming_file_and_line(tmp_path, importer, code, target):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    path = tmp_path / importer
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("import numpy\n\n" + code)
    problems = back_edges(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(f"{importer}:"), problems
    assert f"({target})" in problems[0]
    line = int(problems[0].split(":")[1])
    assert "import" in path.read_text().splitlines()[line - 1]


def test_allowed_directions_pass(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "matcher" / "cli").mkdir()
    (tmp_path / "matcher" / "cli" / "run.py").write_text("import api.main\nimport training\n")
    (tmp_path / "api" / "main.py").write_text(
        "from training.train import x\nimport matcher.ranking\n"
    )
    (tmp_path / "training" / "train.py").write_text("from matcher.ranking import MatchModel\n")
    (tmp_path / "matcher" / "ranking.py").write_text("from .topk import top_k_rows\nimport numpy\n")
    assert back_edges(tmp_path) == []
