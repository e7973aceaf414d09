// promtool from Prometheus 3.x, built into .tools/bin/promtool3 by scripts/setup.ts, so the rules are checked
// and unit-tested by both Debian's Prometheus 2.42 (/usr/bin/promtool) and a current 3.x release.
// Debian's build also lacks Kubernetes service discovery, which prometheus-kubernetes.yml needs.
module github.com/mesh-stack/tools/promtool

go 1.26
