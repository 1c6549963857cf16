"""Secrets never live in the repository: no demo staff password, no password in the reference data,
no generated credentials file."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEMO_DATA = ROOT / "deploy" / "demo" / "data"
#: not part of the repository (.gitignore): virtualenvs, data dirs, caches, build output
SKIPPED = {".git", ".venv", "var", "__pycache__", ".pytest_cache", ".hypothesis", "build", "node_modules"}


def repository_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file() and path.suffix not in {".png", ".jpg", ".pyc", ".xlsx", ".ico", ".woff2"}:
            found.append(path)
    return found


def test_the_reference_data_holds_no_password():
    for path in DEMO_DATA.glob("*.json"):
        def walk(value) -> None:
            if isinstance(value, dict):
                assert not {k for k in value if "password" in k.lower()}, path.name
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(path.read_text(encoding="utf-8")))


def test_no_file_holds_a_demo_password_or_generated_credentials():
    usernames = [u["username"] for u in json.loads((DEMO_DATA / "users.json").read_text(encoding="utf-8"))["users"]]
    # the passwords the demo once had were "<username>-demo"; built here so this file does not hold them either
    old_passwords = re.compile(r"\b(?:%s)-demo\b" % "|".join(map(re.escape, usernames)))
    files = repository_files()
    assert any(path.name == "README.md" for path in files)
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        if old_passwords.search(text):
            offenders.append(str(path.relative_to(ROOT)))
        if path.parent.name == "credentials" and path.suffix == ".json":
            offenders.append(f"{path.relative_to(ROOT)} (generated credentials)")
    assert offenders == []
