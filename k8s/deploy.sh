#!/usr/bin/env bash
# Deploys the stack to the current kubectl context, like the seed guide's deploy script: apply the manifests, wait
# for every rollout, then check the mesh. Unlike the guide, the mesh configuration goes in with the first apply:
# the namespaces carry the injection label before any pod starts, so every pod gets its proxy on first start
# instead of after a restart, and STRICT mTLS and the authorization policies are never missing.
#
#   ./k8s/deploy.sh istio                   # Istio overlay (k8s/istio): base + monitoring + mesh config
#   ./k8s/deploy.sh istio-fault-injection   # the same plus the fault-injection routes on payment-service
#   ./k8s/deploy.sh linkerd                 # Linkerd overlay (k8s/linkerd)
#   ./k8s/deploy.sh base                    # the application alone, no mesh, no monitoring
#   ./k8s/deploy.sh istio --print           # print the manifests instead of applying them
#
# Needs kubectl (>= 1.30) and, for the mesh overlays, the mesh and the Gateway API CRDs installed first
# (docs/kubernetes.md). Set KUSTOMIZE=/path/to/kustomize to render with a standalone kustomize instead of
# `kubectl kustomize`. ROLLOUT_TIMEOUT (default 300s) bounds each wait.
set -euo pipefail

readonly K8S_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly OVERLAYS=(base istio istio-fault-injection linkerd)
readonly ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"

usage() {
  echo "usage: $0 {$(IFS='|'; echo "${OVERLAYS[*]}")} [--print]" >&2
}

log() { printf '[deploy] %s\n' "$*" >&2; }

# k8s/monitoring generates its ConfigMaps from observability/, outside its own folder, which Kustomize's default
# load restrictor refuses; every build of this repository uses LoadRestrictionsNone for that reason.
render() {
  if [[ -n "${KUSTOMIZE:-}" ]]; then
    "$KUSTOMIZE" build --load-restrictor LoadRestrictionsNone "$K8S_DIR/$1"
  else
    kubectl kustomize --load-restrictor LoadRestrictionsNone "$K8S_DIR/$1"
  fi
}

require_crds() {
  local crd missing=()
  for crd in "$@"; do
    kubectl get crd "$crd" >/dev/null 2>&1 || missing+=("$crd")
  done
  if ((${#missing[@]} > 0)); then
    log "missing CRDs: ${missing[*]}"
    log "install the mesh (and the Gateway API CRDs) first: see docs/kubernetes.md"
    exit 1
  fi
}

wait_for_rollouts() {
  local namespace=$1 resource
  for resource in $(kubectl -n "$namespace" get deployments,statefulsets -o name); do
    log "waiting for $namespace/$resource"
    kubectl -n "$namespace" rollout status "$resource" --timeout="$ROLLOUT_TIMEOUT"
  done
}

main() {
  local overlay=${1:-} mode=${2:-apply}
  if [[ ! " ${OVERLAYS[*]} " == *" $overlay "* ]] || [[ "$mode" != apply && "$mode" != --print ]]; then
    usage
    exit 2
  fi
  if [[ "$mode" == --print ]]; then
    render "$overlay"
    exit 0
  fi

  command -v kubectl >/dev/null || { log "kubectl is not on PATH"; exit 1; }
  kubectl version >/dev/null || { log "no cluster reachable with the current kubectl context"; exit 1; }
  case "$overlay" in
    istio*) require_crds virtualservices.networking.istio.io authorizationpolicies.security.istio.io telemetries.telemetry.istio.io ;;
    linkerd) require_crds servers.policy.linkerd.io meshtlsauthentications.policy.linkerd.io httproutes.gateway.networking.k8s.io ;;
  esac

  local manifests
  manifests=$(mktemp)
  trap 'rm -f "$manifests"' EXIT
  render "$overlay" >"$manifests"

  # 1. Apply. Kustomize emits Namespaces first, so the injection labels exist before any pod is created.
  #    Server-side apply: the dashboards ConfigMap is larger than client-side apply's annotation limit.
  log "applying k8s/$overlay"
  kubectl apply --server-side --field-manager=mesh-stack -f "$manifests"

  # 2. Wait for PostgreSQL, the services and the monitoring stack to be ready.
  wait_for_rollouts shop
  if [[ "$overlay" != base ]]; then wait_for_rollouts monitoring; fi

  # 3. Check the mesh view of what was applied, when the mesh CLI is installed.
  case "$overlay" in
    istio*)
      if command -v istioctl >/dev/null; then istioctl analyze -n shop; fi
      if ! kubectl -n istio-system get secret shop-gateway-tls >/dev/null 2>&1; then
        log "the Gateway serves HTTPS only and Secret istio-system/shop-gateway-tls is missing: create it (docs/kubernetes.md, With Istio)"
      fi
      log "public API: kubectl -n istio-system port-forward svc/istio-ingressgateway 8443:443, then https://shop.example.com:8443/orders (curl --resolve shop.example.com:8443:127.0.0.1 --cacert <the certificate>)"
      ;;
    linkerd)
      if command -v linkerd >/dev/null; then linkerd check --proxy --namespace shop; fi
      log "public API: kubectl -n envoy-gateway-system port-forward svc/\$(kubectl -n envoy-gateway-system get svc -l gateway.envoyproxy.io/owning-gateway-name=shop-gateway -o name | cut -d/ -f2) 8080:80, then curl localhost:8080/orders"
      ;;
  esac
  log "done: Prometheus, Grafana (admin password: Secret monitoring/grafana-admin), Jaeger and Alertmanager run in namespace monitoring; reach them with kubectl port-forward (docs/kubernetes.md)"
}

main "$@"
