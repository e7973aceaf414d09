/**
 * @module Labels Prometheus attaches to every scraped series from the target, never written by an app:
 * `job` is the service name (locally the scrape job, in Kubernetes relabelled from `app.kubernetes.io/name`).
 */
export const TARGET_LABEL = {
  job: 'job',
  instance: 'instance',
  /** Kubernetes only, from service discovery. */
  namespace: 'namespace',
  pod: 'pod',
} as const;

export const ALL_TARGET_LABELS: readonly string[] = Object.values(TARGET_LABEL);
