/**
 * Setup hook (run by `scripts/setup.ts` after the Go tools are built): writes strict JSON Schemas for the pinned
 * Kubernetes, Istio, Gateway API and Linkerd versions to `.tools/schemas/`, for kubeconform in `k8s/test/`.
 * The logic lives in `k8s/lib/schemas/` where it is type-checked and tested.
 */
import { generateSchemas } from '../../k8s/lib/schemas/generate.ts';
import { SCHEMA_DIR } from '../../k8s/lib/schemas/sources.ts';

const { written, skipped } = generateSchemas({ force: process.argv.includes('--force') });
console.log(
  skipped
    ? `[setup] k8s-schemas: up to date in ${SCHEMA_DIR}`
    : `[setup] k8s-schemas: wrote ${written} schemas to ${SCHEMA_DIR}`,
);
