import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALL_METRICS, SPANS } from './contract.ts';
import { renderTelemetryDocs, TELEMETRY_DOCS_PATH } from './docs.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');

describe('docs/telemetry.md', () => {
  it('matches what the contract renders (run `npm run generate:telemetry-docs` after changing the contract)', () => {
    assert.equal(readFileSync(join(REPO_ROOT, TELEMETRY_DOCS_PATH), 'utf8'), renderTelemetryDocs());
  });

  it('lists every metric and span attribute of the contract', () => {
    const docs = renderTelemetryDocs();
    for (const metric of ALL_METRICS) assert.ok(docs.includes(`\`${metric.name}`), metric.name);
    for (const span of Object.values(SPANS)) {
      for (const attribute of [...span.attributes, ...span.conditionalAttributes])
        assert.ok(docs.includes(`\`${attribute}\``), attribute);
    }
  });
});
