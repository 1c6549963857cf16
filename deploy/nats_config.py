"""`tgpl nats-config`: the NATS server configuration of a deployment, rendered from the same
identities and permissions as the launcher's embedded server (deploy/local/nats_identities.py).

`deploy/nats/nats-server.conf` is the checked-in template: it holds no secret, each password is a
`$TGPL_NATS_PASSWORD_<USER>` reference nats-server resolves from its environment. With a
credentials file the passwords are written in, for a server that takes no environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deploy.local.credentials import ensure_identities, usable_codes
from deploy.local.nats_identities import Identity, wanted_identities
from deploy.local.nats_server import server_config
from services.runtime import reference_files

TEMPLATE = Path(__file__).resolve().parent / "nats" / "nats-server.conf"
DEMO_DATA = Path(__file__).resolve().parent / "demo" / "data"


@dataclass
class DeploymentOptions:
    """Where a deployment's nats-server listens and keeps JetStream; the defaults render the template."""

    reference_dir: Path = DEMO_DATA
    host: str = "0.0.0.0"
    port: int = 4222
    store_dir: str = "/data/jetstream"
    server_name: str = "$TGPL_NATS_SERVER_NAME"
    routes: list[str] = field(default_factory=lambda: [f"nats-route://nats-{n}:6222" for n in (1, 2, 3)])
    #: "host:port" of the HTTP monitoring endpoint (`/healthz`), or None for none
    monitor: str | None = None


def reference_codes(reference_dir: Path) -> tuple[list[str], list[str]]:
    """(agency codes, province system codes) in the reference data that can name a NATS identity."""
    agencies, _ = usable_codes([a["code"] for a in reference_files.read_agencies(reference_dir) or []])
    provinces, _ = usable_codes([p["code"] for p in reference_files.read_province_systems(reference_dir) or []])
    return agencies, provinces


def render(options: DeploymentOptions, credentials: Path | None = None) -> str:
    """The configuration: passwords from the environment, or from `credentials` (missing ones generated there)."""
    agencies, provinces = reference_codes(options.reference_dir)
    if credentials is None:
        identities = [Identity(role=role, code=code, password="") for role, code in wanted_identities(agencies, provinces)]
        where = ("Passwords come from the environment: nats-server reads each TGPL_NATS_PASSWORD_<USER> below,\n"
                 "# and TGPL_NATS_SERVER_NAME (unique per node).")
    else:
        identities, _ = ensure_identities(credentials, agencies=agencies, provinces=provinces)
        where = "SECRET: passwords written in; keep this file readable by nats-server's user only."
    header = (
        "# tgpl's nats-server, rendered by `tgpl nats-config` from deploy/local/nats_identities.py; do not edit by hand.\n"
        f"# {where}\n"
        f"# Identities: the operator, one per service, agencies and province systems of {_shown(options.reference_dir)}.\n"
        "# Who may do what, and how agencies and province systems connect: docs/security.md.\n"
    )
    return header + server_config(port=options.port, store_dir=options.store_dir, name=options.server_name,
                                  host=options.host, identities=identities, passwords_from_env=credentials is None,
                                  cluster_routes=options.routes, monitor=options.monitor)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(DEMO_DATA.parents[2]))
    except ValueError:
        return str(path)
