#!/usr/bin/env python3
"""Render the Kubernetes overlays and keep the generated PrometheusRule in step.

    python3 deploy/render.py overlays OUTDIR     # OUTDIR/<overlay>.yaml for every overlay
    python3 deploy/render.py prometheusrule      # rewrite overlays/ha/prometheusrule.yaml

An overlay's Secret is generated from its git-ignored secrets.env; to render without one
(CI, tests) the tree is copied to a temporary directory and secrets.env.example stands in.
Needs `kubectl` (its built-in kustomize) and PyYAML.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
KUBERNETES = DEPLOY / "kubernetes"
OVERLAYS = sorted(p.name for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
PROMETHEUS_RULE = KUBERNETES / "overlays" / "ha" / "prometheusrule.yaml"
RULE_HEADER = (
    "# The alert rules of deploy/prometheus/alerts.yaml for the Prometheus Operator, generated\n"
    "# from it (tests/test_deploy.py fails when they differ): edit alerts.yaml, then run\n"
    "#   python3 deploy/render.py prometheusrule\n"
)


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        sys.exit(
            "error: kubectl is not installed; it renders the kustomize overlays "
            "(https://kubernetes.io/docs/tasks/tools/ ; Debian: the kubectl package)"
        )
    return found


def render_all() -> dict[str, str]:
    """Every overlay's manifests as one multi-document YAML string, by overlay name."""
    with tempfile.TemporaryDirectory(prefix="behflow-kustomize-") as tmp:
        tree = Path(tmp) / "kubernetes"
        shutil.copytree(KUBERNETES, tree, ignore=shutil.ignore_patterns("secrets.env"))
        for example in tree.glob("overlays/*/secrets.env.example"):
            shutil.copyfile(example, example.with_suffix(""))
        return {
            name: subprocess.run(
                [kubectl(), "kustomize", str(tree / "overlays" / name)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for name in OVERLAYS
        }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def prometheus_rule_text() -> str:
    groups: Any = yaml.safe_load(ALERTS.read_text())["groups"]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "behflow", "labels": {"app.kubernetes.io/component": "monitoring"}},
        "spec": {"groups": groups},
    }
    return RULE_HEADER + yaml.dump(rule, Dumper=_Dumper, sort_keys=False, width=100)


def main(argv: list[str]) -> int:
    if argv[:1] == ["overlays"] and len(argv) == 2:
        out = Path(argv[1])
        out.mkdir(parents=True, exist_ok=True)
        for name, text in render_all().items():
            (out / f"{name}.yaml").write_text(text)
            print(f"rendered overlays/{name} -> {out / name}.yaml")
        return 0
    if argv == ["prometheusrule"]:
        PROMETHEUS_RULE.write_text(prometheus_rule_text())
        print(f"wrote {PROMETHEUS_RULE.relative_to(DEPLOY.parent)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
