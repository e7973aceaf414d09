/** @module `npm run generate:telemetry-docs`: writes docs/telemetry.md from the contract. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTelemetryDocs, TELEMETRY_DOCS_PATH } from './docs.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');
writeFileSync(join(REPO_ROOT, TELEMETRY_DOCS_PATH), renderTelemetryDocs());
console.log(`wrote ${TELEMETRY_DOCS_PATH}`);
