"""What the deployment tests share: the committed Compose file and manifests, parsed, and a copy of
deploy/compose with `tgpl deploy-secrets` output in it (never the repository's own directory:
the working tree is shared and the output holds passwords)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from deploy.deployment_secrets import DeploymentSecrets, generate

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
KUBERNETES_DIR = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "Dockerfile"
TGPL_SERVICES = ("intake", "assignment", "evaluation", "reporting")
NATS_NODES = ("nats-1", "nats-2", "nats-3")


def load_compose(path: Path = COMPOSE_FILE) -> dict:
    """The Compose file as Compose reads it (YAML merge keys resolved)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (blank lines and comments skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """`${NAME}` and `${NAME:-default}` as Compose substitutes them."""
    return _VARIABLE.sub(lambda m: variables.get(m[1]) or (m[2] or ""), value)


def compose_copy(tmp: Path, **options) -> tuple[Path, DeploymentSecrets]:
    """deploy/compose and the Dockerfile copied under `tmp` (the build context two levels up, as in
    the repository), with `tgpl deploy-secrets` output written into the copy."""
    target = tmp / "deploy" / "compose"
    shutil.copytree(COMPOSE_DIR, target, ignore=shutil.ignore_patterns("secrets", ".env"))
    shutil.copy(DOCKERFILE, tmp / "Dockerfile")
    settings = DeploymentSecrets(out=target, **options)
    generate(settings)
    return target, settings
