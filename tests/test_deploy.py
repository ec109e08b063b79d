"""deploy/ stays consistent with the server: the rendered Kubernetes overlays (probes on the
contract endpoints, a locked-down pod, every setting given a place), the alert rules and the
dashboard (only metric names the server exports), and the Compose `ha` profile.

The full offline validation (kubernetes-validate, checkov, nginx -t, promtool) is
deploy/check.sh, which CI runs after lint."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from behflow_server.config import Settings
from tests.support.peers import needs_program

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

# The endpoints and metric names agreed with the server's observability work
# (docs/deployment.md, "Probes" and "Metrics").
PROBES = {"startupProbe": "/startupz", "livenessProbe": "/livez", "readinessProbe": "/readyz"}
METRICS = {
    "behflow_http_requests_total",
    "behflow_http_request_duration_seconds",
    "behflow_http_requests_in_flight",
    "behflow_db_pool_connections",
    "behflow_sse_subscribers",
    "behflow_events_published_total",
    "behflow_scheduler_runs_total",
    "behflow_scheduler_last_success_timestamp_seconds",
    "behflow_scheduler_leader",
    "behflow_webhook_deliveries_total",
    "behflow_notification_deliveries_total",
    "behflow_agent_messages_total",
    "behflow_login_failures_total",
    "behflow_info",
}
# Settings the deployment adds that the server must know (they are in every ConfigMap).
DEPLOY_SETTINGS = {
    "BEHFLOW_ROLE",
    "BEHFLOW_LOG_FORMAT",
    "BEHFLOW_SHUTDOWN_GRACE_SECONDS",
    "BEHFLOW_METRICS_ENABLED",
    "BEHFLOW_MIGRATE_ON_START",
}
SETTING_LINE = re.compile(r"^#?\s*(BEHFLOW_[A-Z0-9_]+)\s*[=:]", re.MULTILINE)


def _render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_render", DEPLOY / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _render_module()


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[dict[str, Any]]]:
    return {
        name: [doc for doc in yaml.safe_load_all(text) if doc]
        for name, text in render.render_all().items()
    }


def _of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def _config(docs: list[dict[str, Any]]) -> dict[str, str]:
    (config,) = _of_kind(docs, "ConfigMap").values()
    data: dict[str, str] = config["data"]
    return data


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


pytestmark = needs_program("kubectl", "kubectl")


def test_overlays_render_the_expected_objects(overlays: dict[str, list[dict[str, Any]]]) -> None:
    assert set(overlays) == {"single", "single-sqlite", "ha"}
    for name, docs in overlays.items():
        kinds = {doc["kind"] for doc in docs}
        assert {"Deployment", "Service", "Ingress", "ConfigMap", "Secret"} <= kinds, name
        assert all(
            doc["metadata"].get("namespace") == "behflow"
            for doc in docs
            if doc["kind"] != "Namespace"
        )
        (ingress,) = _of_kind(docs, "Ingress").values()
        assert ingress["spec"]["tls"][0]["secretName"] == "behflow-tls"
        pods = [
            doc["spec"]["template"]["spec"] for doc in docs if doc["kind"] in {"Deployment", "Job"}
        ]
        images = {c["image"] for pod in pods for c in pod["containers"]}
        # One image for servers, scheduler and migrations: an overlay's `images:` renames all.
        assert images == {"registry.example.com/behflow:0.1.0"}, name
    ha = overlays["ha"]
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Cluster"} <= {
        doc["kind"] for doc in ha
    }
    assert {"ServiceMonitor", "PrometheusRule"} <= {doc["kind"] for doc in ha}


def test_every_server_pod_is_probed_locked_down_and_drains(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    for name, docs in overlays.items():
        grace = float(_config(docs)["BEHFLOW_SHUTDOWN_GRACE_SECONDS"])
        for deployment in _of_kind(docs, "Deployment").values():
            pod = deployment["spec"]["template"]["spec"]
            (container,) = pod["containers"]
            where = f"{name}/{deployment['metadata']['name']}"
            assert container["ports"] == [{"name": "http", "containerPort": 8765}], where
            for probe, path in PROBES.items():
                assert container[probe]["httpGet"] == {"path": path, "port": "http"}, where
            assert pod["securityContext"]["runAsNonRoot"] is True, where
            assert pod["securityContext"]["runAsUser"] >= 10000, where
            assert pod["automountServiceAccountToken"] is False, where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert {m["mountPath"] for m in container["volumeMounts"]} == {"/data", "/tmp"}
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
            sleep = container["lifecycle"]["preStop"]["exec"]["command"]
            assert sleep[0] == "sleep", where
            assert pod["terminationGracePeriodSeconds"] > float(sleep[1]) + grace, where


def test_every_setting_has_a_place(overlays: dict[str, list[dict[str, Any]]]) -> None:
    """In the ConfigMap, as a commented line of base/behflow.env (left unset on purpose), in a
    secrets.env.example, or on the container: docs/deployment.md#kubernetes."""
    settings = {f"BEHFLOW_{name.upper()}" for name in Settings.model_fields} | DEPLOY_SETTINGS
    placed = set(SETTING_LINE.findall((DEPLOY / "kubernetes/base/behflow.env").read_text()))
    for example in (DEPLOY / "kubernetes/overlays").glob("*/secrets.env.example"):
        placed |= set(SETTING_LINE.findall(example.read_text()))
    for docs in overlays.values():
        placed |= set(_config(docs))
        for deployment in _of_kind(docs, "Deployment").values():
            placed |= set(_env(deployment["spec"]["template"]["spec"]["containers"][0]))
    missing = sorted(settings - placed)
    assert missing == [], f"give these a place in deploy/kubernetes/base/behflow.env: {missing}"
    for docs in overlays.values():
        assert DEPLOY_SETTINGS - {"BEHFLOW_ROLE"} <= set(_config(docs))
        assert not {"BEHFLOW_SECRET_KEY", "BEHFLOW_LLM_API_KEY"} & set(_config(docs))


def test_ha_splits_api_and_scheduler_over_cloudnativepg(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    docs = overlays["ha"]
    deployments = _of_kind(docs, "Deployment")
    api, scheduler = deployments["behflow"], deployments["behflow-scheduler"]
    api_env = _env(api["spec"]["template"]["spec"]["containers"][0])
    scheduler_env = _env(scheduler["spec"]["template"]["spec"]["containers"][0])
    assert (api_env["BEHFLOW_ROLE"], scheduler_env["BEHFLOW_ROLE"]) == ("api", "scheduler")
    from_cnpg = {"secretKeyRef": {"name": "behflow-db-app", "key": "uri"}}
    job = _of_kind(docs, "Job")["behflow-migrate"]
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    assert job_container["command"] == ["behflow", "server", "migrate"]
    for env in (api_env, scheduler_env, _env(job_container)):
        assert env["BEHFLOW_DATABASE_URL"] == from_cnpg
    assert _config(docs)["BEHFLOW_MIGRATE_ON_START"] == "false"
    # The Service and the autoscaler reach the API pods only.
    api_labels = api["spec"]["template"]["metadata"]["labels"]
    assert (
        scheduler["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "scheduler"
    )
    service = _of_kind(docs, "Service")["behflow"]
    assert service["spec"]["selector"].items() <= api_labels.items()
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "server"
    hpa = _of_kind(docs, "HorizontalPodAutoscaler")["behflow"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "behflow"
    assert hpa["spec"]["minReplicas"] >= api["spec"]["replicas"] >= 3
    pdb = _of_kind(docs, "PodDisruptionBudget")["behflow"]
    assert pdb["spec"]["minAvailable"] < api["spec"]["replicas"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= api_labels.items()
    assert api["spec"]["template"]["spec"]["topologySpreadConstraints"]
    (cluster,) = _of_kind(docs, "Cluster").values()
    assert cluster["metadata"]["name"] + "-app" == "behflow-db-app"
    assert cluster["spec"]["instances"] == 3
    (monitor,) = _of_kind(docs, "ServiceMonitor").values()
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    secret = _of_kind(docs, "Secret")["behflow-secrets"]
    assert monitor["spec"]["endpoints"][0]["authorization"]["credentials"] == {
        "name": secret["metadata"]["name"],
        "key": "BEHFLOW_METRICS_TOKEN",
    }
    assert "BEHFLOW_METRICS_TOKEN" in secret["data"]


def test_documented_apply_order_selects_the_right_objects(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    """docs/deployment.md#kubernetes applies by label in three steps and waits on names."""
    docs = overlays["ha"]
    text = (ROOT / "docs/deployment.md").read_text()
    steps = re.findall(r"kubectl apply -k \. -l '?([^'\n]+?)'?\n", text)
    assert steps == [
        "app.kubernetes.io/component in (config,database)",
        "app.kubernetes.io/component=migrate",
    ]

    def component(doc: dict[str, Any]) -> str | None:
        labels: dict[str, str] = doc["metadata"].get("labels", {})
        return labels.get("app.kubernetes.io/component")

    first = {doc["kind"] for doc in docs if component(doc) in {"config", "database"}}
    assert {"Namespace", "ConfigMap", "Secret", "ServiceAccount", "Cluster"} <= first
    assert not first & {"Deployment", "Job"}
    assert [doc["kind"] for doc in docs if component(doc) == "migrate"] == ["Job"]
    waited = re.findall(r"kubectl -n behflow (?:wait|rollout status)[^\n]*", text)
    names = {f"{doc['kind'].lower()}/{doc['metadata']['name']}" for doc in docs}
    for line in waited:
        for ref in re.findall(r"\b((?:cluster|job|deployment)/[a-z-]+)", line):
            assert ref in names, f"docs wait on {ref}, which overlays/ha does not define"
    assert len(waited) == 4


def test_single_overlays(overlays: dict[str, list[dict[str, Any]]]) -> None:
    single = overlays["single"]
    (deployment,) = _of_kind(single, "Deployment").values()
    assert deployment["spec"]["replicas"] == 1
    assert _env(deployment["spec"]["template"]["spec"]["containers"][0])["BEHFLOW_ROLE"] == "all"
    assert "BEHFLOW_DATABASE_URL" in _of_kind(single, "Secret").popitem()[1]["data"]
    assert "behflow-migrate" in _of_kind(single, "Job")
    sqlite = overlays["single-sqlite"]
    (deployment,) = _of_kind(sqlite, "Deployment").values()
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "behflow-data"},
    }
    assert "behflow-data" in _of_kind(sqlite, "PersistentVolumeClaim")
    assert _of_kind(sqlite, "Job") == {}
    assert _config(sqlite)["BEHFLOW_MIGRATE_ON_START"] == "true"


def _metric_names(expr: str) -> set[str]:
    names = set(re.findall(r"\b(behflow_[a-z_]+)", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in names}


def test_alerts_and_dashboard_use_only_exported_metrics() -> None:
    alerts = yaml.safe_load((DEPLOY / "prometheus/alerts.yaml").read_text())
    rules = [rule for group in alerts["groups"] for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    for wanted in ("HighErrorRate", "HighLatency", "SchedulerStuck", "WebhookDeliveriesFailing"):
        assert f"Behflow{wanted}" in names
    used = set().union(*(_metric_names(rule["expr"]) for rule in rules))
    dashboard = json.loads((DEPLOY / "grafana/behflow.json").read_text())
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        for target in panel["targets"]:
            used |= _metric_names(target["expr"])
    assert used - METRICS == set(), "unknown metric names (typo, or not exported by the server)"
    assert used == METRICS, f"series with no panel or alert: {METRICS - used}"


def test_prometheus_rule_is_generated_from_the_alert_rules() -> None:
    assert render.PROMETHEUS_RULE.read_text() == render.prometheus_rule_text(), (
        "run: python3 deploy/render.py prometheusrule"
    )


def test_compose_ha_profile() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert "profiles" not in services["server"] and "profiles" not in services["db"]
    assert services["server-ha"]["profiles"] == ["ha"] == services["nginx"]["profiles"]
    assert services["server-ha"]["deploy"]["replicas"] == 2
    assert "ports" not in services["server-ha"]
    assert services["server-ha"]["read_only"] is True
    conf = (DEPLOY / "compose/nginx.conf").read_text()
    assert "server server-ha:8765" in conf
    assert "listen 443 ssl" in conf
    assert "proxy_buffering off;" in conf
    assert "./deploy/compose/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
