/**
 * @module Which external tools the stack uses and where they live once `npm run setup` has installed them.
 * Debian packages land on the system PATH; tools built from the Go module proxy (one module per `tools/<name>/go.mod`
 * beside this package) land in `.tools/bin`. Its own package so that setup, the launcher, the tests, k8s and the
 * report all read one list without reaching into each other's folders.
 */
import { join } from 'node:path';

/** This file is tools/src/tools.ts (workspace links resolve to the real path), so the root is two folders up. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const TOOLS_DIR = join(REPO_ROOT, '.tools');
export const TOOLS_BIN = join(TOOLS_DIR, 'bin');

/** Tools from Debian packages (installed by the setup script with apt-get). */
export const DEBIAN_TOOLS = {
  prometheus: '/usr/bin/prometheus',
  promtool: '/usr/bin/promtool',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  amtool: '/usr/bin/amtool',
  chromium: '/usr/bin/chromium',
} as const;

/** Tools built from the Go module proxy, pinned in `tools/<name>/go.mod`. */
export const GO_TOOLS = {
  jaeger: join(TOOLS_BIN, 'jaeger'),
  otelcol: join(TOOLS_BIN, 'otelcol'),
  kubeconform: join(TOOLS_BIN, 'kubeconform'),
  kustomize: join(TOOLS_BIN, 'kustomize'),
  /** The OpenTelemetry Collector Builder (tools/ocb); setup uses it to build `otelcol`. */
  ocb: join(TOOLS_BIN, 'builder'),
  /** promtool of Prometheus 3.x (tools/promtool), next to Debian's 2.42 in DEBIAN_TOOLS.promtool. */
  promtool3: join(TOOLS_BIN, 'promtool'),
  /** Docker Compose's loader (compose-go, tools/compose-spec): validates compose.yaml where no Docker runs. */
  composeSpec: join(TOOLS_BIN, 'compose-spec'),
} as const;

/** Chromium flags for this machine: headless, no sandbox as root, and no traffic beyond loopback. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;
