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
  /**
   * The Prometheus (or cluster) a series comes from: an external label added by federation, remote write or
   * Thanos/Mimir, absent in a single Prometheus. Rules and dashboards keep it so two environments never merge.
   */
  cluster: 'cluster',
} as const;

/** What every rule aggregates by: one series per service per namespace per cluster, never across them. */
export const SERVICE_IDENTITY: readonly string[] = [TARGET_LABEL.cluster, TARGET_LABEL.namespace, TARGET_LABEL.job];

export const ALL_TARGET_LABELS: readonly string[] = Object.values(TARGET_LABEL);
