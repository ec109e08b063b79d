#!/usr/bin/env bash
# Validate everything under deploy/ without a cluster or a Docker engine (CI runs it after lint):
#   1. render every Kubernetes overlay with `kubectl kustomize`
#   2. kubernetes-validate --strict (schemas of Kubernetes 1.32; only the CloudNativePG and
#      Prometheus Operator custom resources have no published schema offline: they may warn)
#   3. checkov on them and on the Dockerfile (skips are annotated on the resources, with reasons)
#   4. compose.yaml, both profiles (`docker compose config`, else the compose-spec JSON schema)
#   5. deploy/compose/nginx.conf (`nginx -t` under a temporary prefix)
#   6. deploy/prometheus/alerts.yaml (`promtool check rules`, `promtool test rules`)
# The Python tools live in a venv of their own, cached outside the checkout by the hash of
# deploy/requirements.txt (BEHFLOW_DEPLOY_CACHE, default ~/.cache/behflow-deploy).
# `deploy/check.sh --prepare` only installs the tools (CI runs it in the background meanwhile).
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION=1.32.0
CACHE="${BEHFLOW_DEPLOY_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/behflow-deploy}"
mkdir -p "$CACHE"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
step() { printf '== %s\n' "$*" >&2; }
fail() { printf 'deploy check FAILED: %s\n' "$*" >&2; exit 1; }
apt_install() {
  [ "$(id -u)" = 0 ] || fail "$1 is missing (apt-get install $2)"
  (export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq "$2" || { apt-get update -qq && apt-get install -y -qq "$2"; }) >/dev/null \
    || fail "cannot install $2"
}

command -v kubectl >/dev/null || fail "kubectl is not installed: it renders the kustomize overlays \
(kubectl kustomize). Install kubectl (https://kubernetes.io/docs/tasks/tools/) and run again."

VENV="$CACHE/venv-$(sha256sum deploy/requirements.txt | cut -c1-16)"
# A venv cannot be moved (its scripts name its path): built in place, marked complete at the end.
if [ ! -e "$VENV/.complete" ]; then
  step "installing deploy/requirements.txt into $VENV (once per version of that file)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r deploy/requirements.txt \
    >"$TMP/pip.log" 2>&1 || { cat "$TMP/pip.log" >&2; fail "pip install -r deploy/requirements.txt"; }
  touch "$VENV/.complete"
fi

# Only promtool from Debian's prometheus package, unpacked into the cache (no service installed).
PROMTOOL="$(command -v promtool || echo "$CACHE/promtool/usr/bin/promtool")"
if [ ! -x "$PROMTOOL" ]; then
  step "unpacking promtool from Debian's prometheus package into $CACHE/promtool"
  (cd "$TMP" && { apt-get download prometheus >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get download prometheus >/dev/null; }; }) \
    || fail "cannot download Debian's prometheus package (for promtool)"
  rm -rf "$CACHE/promtool"
  dpkg-deb -x "$TMP"/prometheus_*.deb "$CACHE/promtool"
fi
command -v nginx >/dev/null || apt_install nginx nginx-light
if [ "${1:-}" = "--prepare" ]; then
  step "deploy check tools ready"
  exit 0
fi

step "kubectl kustomize: every overlay"
"$VENV/bin/python" deploy/render.py overlays "$TMP/rendered" >&2

step "kubernetes-validate --strict (Kubernetes $K8S_VERSION)"
"$VENV/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$TMP"/rendered/*.yaml \
  >"$TMP/validate.log" 2>&1 || { cat "$TMP/validate.log" >&2; fail "kubernetes-validate"; }
# Unknown kinds are only a warning to it: allow exactly the custom resources we use, so a typo in
# a core resource's apiVersion still fails.
if grep -v -E "Couldn't find schema for kind (Cluster with api version postgresql\.cnpg\.io/v1|(ServiceMonitor|PrometheusRule) with api version monitoring\.coreos\.com/v1) " \
  "$TMP/validate.log" | grep -q .; then
  cat "$TMP/validate.log" >&2
  fail "kubernetes-validate reported something beyond the known custom resources"
fi

step "checkov (the rendered manifests and the Dockerfile)"
cp Dockerfile "$TMP/rendered/Dockerfile"
"$VENV/bin/checkov" -d "$TMP/rendered" --framework kubernetes dockerfile --compact --quiet \
  --skip-download \
  >"$TMP/checkov.log" 2>&1 || { cat "$TMP/checkov.log" >&2; fail "checkov"; }
grep -E "Passed checks" "$TMP/checkov.log" >&2 || true

step "compose.yaml (default and ha profiles)"
if docker compose version >/dev/null 2>&1; then
  BEHFLOW_SECRET_KEY=check docker compose -f compose.yaml config -q
  BEHFLOW_SECRET_KEY=check docker compose -f compose.yaml --profile ha config -q
else
  # No Compose plugin here (and no engine): the compose-spec schema vendored by check-jsonschema.
  "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml >&2
fi

step "nginx -t (deploy/compose/nginx.conf)"
mkdir -p "$TMP/nginx/certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$TMP/nginx/certs/tls.key" -out "$TMP/nginx/certs/tls.crt" >/dev/null 2>&1
# Compose's DNS name for the replicas does not resolve here; nginx -t resolves upstreams.
sed -e 's|server-ha:8765|127.0.0.1:8765|' -e "s|/etc/nginx/certs/|$TMP/nginx/certs/|" \
  -e "s|pid /tmp/nginx.pid;|pid $TMP/nginx/nginx.pid;|" deploy/compose/nginx.conf >"$TMP/nginx/nginx.conf"
nginx -t -q -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
  || { cat "$TMP/nginx/error.log" >&2; fail "nginx -t"; }

step "promtool check rules / test rules (deploy/prometheus)"
"$PROMTOOL" check rules deploy/prometheus/alerts.yaml >&2
"$PROMTOOL" test rules deploy/prometheus/alerts.test.yaml >&2

step "deploy check passed"
