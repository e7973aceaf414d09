/**
 * @module The provisioned datasources' fixed UIDs, shared by the provisioning files, the dashboards' variable
 * default and the Playwright suite.
 */
export const PROMETHEUS_DATASOURCE = { uid: 'mesh-stack-prometheus', name: 'Prometheus', type: 'prometheus' } as const;
export const JAEGER_DATASOURCE = { uid: 'mesh-stack-jaeger', name: 'Jaeger', type: 'jaeger' } as const;
export const ALERTMANAGER_DATASOURCE = {
  uid: 'mesh-stack-alertmanager',
  name: 'Alertmanager',
  type: 'alertmanager',
} as const;

/** Every panel and every query uses the dashboard's datasource variable, never a fixed datasource. */
export const DATASOURCE_VARIABLE = 'datasource';
export const DATASOURCE_REF = { type: PROMETHEUS_DATASOURCE.type, uid: `\${${DATASOURCE_VARIABLE}}` } as const;
