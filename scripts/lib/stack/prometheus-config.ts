/**
 * @module The Prometheus configuration a stack runs with. With the default ports it is the given file itself (so
 * `curl -X POST :9090/-/reload` picks up edits); with a port offset it is a copy whose scrape and Alertmanager
 * targets are moved to the offset ports and whose `rule_files` are made absolute (Prometheus resolves them relative
 * to the configuration file, which now lives in the stack's data folder).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';

const HOST_PORT = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/;

/** Rewrites `host:port` targets through `portMap`; leaves other hosts and unmapped ports alone. */
const movedTarget = (target: string, portMap: ReadonlyMap<number, number>): string => {
  const match = HOST_PORT.exec(target);
  const port = match?.[2] === undefined ? undefined : portMap.get(Number(match[2]));
  return match && port !== undefined ? `${match[1]}:${port}` : target;
};

export const preparePrometheusConfig = (
  source: string,
  portMap: ReadonlyMap<number, number>,
  outputDir: string,
): string => {
  if ([...portMap].every(([from, to]) => from === to)) return source;

  const document = parseDocument(readFileSync(source, 'utf8'));
  visit(document, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || !isSeq(pair.value)) return;
      if (pair.key.value === 'targets') {
        for (const item of pair.value.items) {
          if (isScalar(item) && typeof item.value === 'string') item.value = movedTarget(item.value, portMap);
        }
      }
    },
  });
  const ruleFiles = document.get('rule_files');
  if (isSeq(ruleFiles)) {
    for (const item of ruleFiles.items) {
      if (isScalar(item) && typeof item.value === 'string' && !isAbsolute(item.value)) {
        item.value = resolve(dirname(source), item.value);
      }
    }
  }
  if (!isMap(document.contents)) {
    throw new Error(`${source} is not a Prometheus configuration (expected a YAML mapping)`);
  }
  mkdirSync(outputDir, { recursive: true });
  const output = join(outputDir, 'prometheus.yml');
  writeFileSync(
    output,
    `# Generated from ${source} with the stack's port offset applied. Do not edit.\n${document.toString()}`,
  );
  return output;
};
