/**
 * @module The project's OpenTelemetry Collector: built by the collector builder (ocb, from tools/ocb) from
 * observability/otel-collector/builder-config.yaml into .tools/bin/otelcol, again only when the manifest changes.
 */
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { GO_TOOLS, REPO_ROOT, TOOLS_DIR } from '@mesh-stack/tools';
import { log, runVisible } from '../run.ts';
import { goEnv, readStamp, sha256, writeStamp } from './go-tools.ts';

export const COLLECTOR_MANIFEST = join(REPO_ROOT, 'observability', 'otel-collector', 'builder-config.yaml');
/** `dist.output_path` in the manifest: generated sources, go.mod and the binary, kept to make rebuilds incremental. */
const BUILD_DIR = join(TOOLS_DIR, 'otelcol-build');
const STAMP = 'otelcol';

export const ensureCollector = (): boolean => {
  // The builder's own version is part of the key: a new ocb may generate different code from the same manifest.
  const key = sha256(readFileSync(COLLECTOR_MANIFEST), readStamp('go-tool-ocb'));
  if (existsSync(GO_TOOLS.otelcol) && readStamp(STAMP) === key) return false;
  if (!existsSync(GO_TOOLS.ocb)) {
    throw new Error(`the collector builder is missing at ${GO_TOOLS.ocb} (tools/ocb should have built it)`);
  }

  log(
    `building the OpenTelemetry Collector with ocb from ${COLLECTOR_MANIFEST.slice(REPO_ROOT.length + 1)}: ${existsSync(GO_TOOLS.otelcol) ? 'the manifest changed' : 'not built yet'}; this can take several minutes once`,
  );
  runVisible(GO_TOOLS.ocb, ['--config', COLLECTOR_MANIFEST], { cwd: REPO_ROOT, env: goEnv() });
  // Copy, then rename over the old binary: atomic, and it works while a running stack still executes the old one
  // (writing into a running executable fails with ETXTBSY).
  const staged = `${GO_TOOLS.otelcol}.new`;
  copyFileSync(join(BUILD_DIR, 'otelcol'), staged);
  chmodSync(staged, 0o755);
  renameSync(staged, GO_TOOLS.otelcol);
  writeStamp(STAMP, key);
  return true;
};
