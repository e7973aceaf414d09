/**
 * @module `npm run generate` (Prometheus part): rewrites every generated Prometheus and Alertmanager file.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RULE_TESTS_DIR, RULES_DIR, renderPrometheusFiles } from './render.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

// Rebuild the generated folders from scratch so a removed rule file does not linger.
for (const dir of [RULES_DIR, RULE_TESTS_DIR]) {
  const absolute = join(REPO_ROOT, dir);
  mkdirSync(absolute, { recursive: true });
  for (const entry of readdirSync(absolute)) if (entry.endsWith('.yaml')) rmSync(join(absolute, entry));
}
for (const [path, content] of renderPrometheusFiles()) {
  mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
  writeFileSync(join(REPO_ROOT, path), content);
  console.log(`[generate] ${path}`);
}
