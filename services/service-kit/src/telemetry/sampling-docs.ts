/** @module The "Sampling" section of docs/telemetry.md (rendered by docs.ts): the production profile and its trade-off. */
import { DEFAULT_OTEL_TRACES_SAMPLER, PRODUCTION_SAMPLING } from './config.ts';
import { EXEMPLAR_TRACE_ID_LABEL, LOG_FIELD } from './contract.ts';

const percent = (ratio: string): string => `${Number(ratio) * 100}%`;

export const samplingSection = (): string[] => [
  '## Sampling: the production profile',
  '',
  '| Profile | Where | `OTEL_TRACES_SAMPLER` / `_ARG` | Traces kept |',
  '|---|---|---|---|',
  `| learning | \`npm start\`, the tests | \`${DEFAULT_OTEL_TRACES_SAMPLER}\` (the default) | every request |`,
  `| production | \`k8s/base\`, \`compose.yaml\`; under Istio the ingress gateway's \`randomSamplingPercentage\` (\`k8s/istio/telemetry.yaml\`) | \`${PRODUCTION_SAMPLING.OTEL_TRACES_SAMPLER}\` / \`${PRODUCTION_SAMPLING.OTEL_TRACES_SAMPLER_ARG}\` | ${percent(PRODUCTION_SAMPLING.OTEL_TRACES_SAMPLER_ARG)} of new traces |`,
  '',
  'Head sampling, decided once per trace at the public entry: the first process that sees a request without a',
  "sampling decision (Istio's ingress gateway, or order-service without a mesh) keeps it when its trace id falls in",
  'the ratio. Every other service follows the `sampled` flag of the `traceparent` it receives (parent-based), so a',
  "trace is whole or absent, never cut in the middle. An unsampled request still propagates its context (the callees'",
  'logs carry the same trace id) but creates no span data: its spans are non-recording, no attribute is computed for',
  'them, nothing is queued or exported.',
  '',
  '**What stays exact.** Request rates, errors and durations (RED), the SLOs and their alerts come from the',
  "services' Prometheus histograms, observed for every request whatever the sampling. Exemplars are attached to",
  `sampled requests only, so every ${'`'}${EXEMPLAR_TRACE_ID_LABEL}${'`'} in Grafana opens a trace that was exported. Log lines keep`,
  `${'`'}${LOG_FIELD.traceId}${'`'} and ${'`'}${LOG_FIELD.traceFlags}${'`'} (\`00\` = not sampled) for every request.`,
  '',
  '**What you lose.** Nine traces in ten. A given failed or slow request has a trace with the same 10% chance as',
  "any other; a rare error may have none. The collector's span metrics (`traces_span_metrics_*`) count sampled",
  "spans only and become a 10% sample: read rates from the services' own histograms, as the dashboards and alerts",
  'do.',
  '',
  '**Keeping errors and slow requests.** Head sampling decides before the outcome is known, so it cannot favour',
  'errors. Tail sampling decides after the trace ended: `observability/otel-collector/gateway.yaml` is an optional',
  'second collector tier that keeps every trace with an error, every trace slower than the order-flow latency SLO',
  '(500 ms) and a baseline share of the rest. It can only keep what it receives: with the entry at 10% it keeps',
  'errors among that 10%. To keep every error, raise the entry ratio (up to `1`) and pay the service-side cost of',
  'exporting more (BENCHMARKS.md); the gateway then trims what is stored. Its memory and replicas are sized in',
  '`docs/scaling.md` §4.',
  '',
];
