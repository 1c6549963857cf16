"""Reads the center's reference data files (center.json, agencies.json, officers.json, users.json,
province_systems.json).

The files are data, not code: a center supplies its own; `deploy/demo/data/` holds the demo set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _read(directory: Path, name: str, key: str) -> Any:
    path = directory / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))[key]


def read_branches(directory: Path) -> list[dict] | None:
    """Branches with the communes each serves; None when the file is absent."""
    return _read(directory, "center.json", "branches")


def read_center(directory: Path) -> dict | None:
    """The center itself (code and name); None when the file is absent."""
    return _read(directory, "center.json", "center")


def read_agencies(directory: Path) -> list[dict] | None:
    """Procedural agencies that send notices; None when the file is absent."""
    return _read(directory, "agencies.json", "agencies")


def read_officers(directory: Path) -> list[dict] | None:
    """The roster of officers and contract lawyers; None when the file is absent."""
    return _read(directory, "officers.json", "officers")


def read_province_systems(directory: Path) -> list[dict] | None:
    """Province systems that receive the reports (each gets a NATS identity); None when the file is absent."""
    return _read(directory, "province_systems.json", "province_systems")


def read_users(directory: Path) -> list[dict] | None:
    """Staff accounts to create (demo data); None when the file is absent."""
    return _read(directory, "users.json", "users")


def read_staff_passwords(path: Path) -> dict[str, str]:
    """username → first password, from the file `tgpl up` generates (never part of the reference data)."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["passwords"])
