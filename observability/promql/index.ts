/**
 * @module `@mesh-stack/observability/promql`: the PromQL that the Prometheus rules and the Grafana dashboards share,
 * as the monitoring mixins share their `config.libsonnet` between `alerts/` and `dashboards/`. It holds the query
 * builder (`build.ts`), the contract check (`check.ts`, on the parser of `inspect.ts`) with the series catalog it
 * checks against (`catalog.ts`), and the vocabulary both sides name: the target labels Prometheus attaches
 * (`targets.ts`) and the metrics the stack reads but does not emit (`external-metrics.ts`). Neither side owns it,
 * so it sits beside `prometheus/` and `grafana/`, not in either.
 *
 * Every importer reaches it, and the rules' facts (`@mesh-stack/observability/rules`), by the package's own name
 * through `exports` in observability/package.json, never by a file path. Why the name and not `imports` aliases
 * (`#promql`): `#` aliases are private to this package, so report/, test/ and scripts/ would still need the
 * name, and one module would have two spellings; the name reads the same everywhere. Node resolves a package's
 * own name through its `exports` (self-reference), and so does TypeScript under `moduleResolution: nodenext`,
 * with no `paths` or build step. And `exports` is an allow-list: a file that is not an entry cannot be imported
 * by name, so the seam is the entries, not whatever file a relative path can reach.
 */
export * from './build.ts';
export * from './catalog.ts';
export * from './check.ts';
export * from './external-metrics.ts';
export * from './inspect.ts';
export * from './targets.ts';
