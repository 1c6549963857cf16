"""Every third-party module the shipped code imports comes from a dependency pyproject.toml declares
for it: the Docker image installs tgpl without the test extra (httpx was once only there, and an
installed intake failed to import)."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIRST_PARTY = {"shared", "services", "deploy", "tests"}
#: code that needs an extra, and the extra it needs
EXTRAS = {"deploy/bench": "bench", "deploy/chaos": "test"}


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
            for requirement in requirements}


def with_their_dependencies(names: set[str]) -> set[str]:
    """The distributions and everything they require themselves (an import of jinja2's markupsafe
    is covered by jinja2), leaving out their own extras."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [r for r in requirement_names([q for q in requires if "extra ==" not in q]) if r not in found]
    return found


def imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_import_of_the_shipped_code_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {None: with_their_dependencies(requirement_names(project["dependencies"]))}
    for extra, requirements in project["optional-dependencies"].items():
        declared[extra] = declared[None] | with_their_dependencies(requirement_names(requirements))
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for top in ("shared", "services", "deploy"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            extra = next((e for prefix, e in EXTRAS.items() if relative.startswith(prefix)), None)
            for name in imported_top_levels(path) - FIRST_PARTY - set(sys.stdlib_module_names):
                # A module of an extra this environment lacks (pulp without the bench extra) is taken
                # to come from the distribution of its own name.
                providers = ({d.lower().replace("_", "-") for d in distributions.get(name, [])}
                             or {name.lower().replace("_", "-")})
                if not providers & declared[extra]:
                    missing.append(f"{relative}: {name} ({', '.join(sorted(providers)) or 'not installed'})")
    assert missing == []
