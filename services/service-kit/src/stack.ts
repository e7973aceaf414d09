/**
 * @module The shape of the stack in one place: services, their ports, the call edges between them and the
 * environment variables that wire them. The launcher, compose checks, Kubernetes checks and tests import this.
 */

export const SERVICE_NAMES = ['user-service', 'order-service', 'payment-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServicePorts {
  /** Public API port when run locally (`PORT`). */
  readonly publicPort: number;
  /** Admin port: `/metrics`, health, fault injection (`ADMIN_PORT`). Never exposed through an ingress. */
  readonly adminPort: number;
}

/** Local defaults (DESIGN §2). In Kubernetes every service listens on {@link KUBERNETES_PORTS}. */
export const LOCAL_PORTS: Readonly<Record<ServiceName, ServicePorts>> = {
  'user-service': { publicPort: 8081, adminPort: 9081 },
  'order-service': { publicPort: 8082, adminPort: 9082 },
  'payment-service': { publicPort: 8083, adminPort: 9083 },
};

export const KUBERNETES_PORTS: ServicePorts = { publicPort: 8080, adminPort: 9464 };

/** Port names used by Kubernetes Services and container ports. */
export const PORT_NAMES = { public: 'http', admin: 'http-metrics' } as const;

export interface CallEdge {
  readonly from: ServiceName;
  readonly to: ServiceName;
  readonly method: 'GET' | 'POST';
  /** Route template on the callee. */
  readonly route: string;
  /** Whether the mesh and the client may retry this call. */
  readonly retryable: boolean;
}

/** Every real service-to-service call. Mesh authorization allows exactly these and nothing else. */
export const CALL_EDGES: readonly CallEdge[] = [
  { from: 'order-service', to: 'user-service', method: 'GET', route: '/users/:id', retryable: true },
  // Retried only by the client, which always sends the order id as Idempotency-Key; never by the mesh.
  { from: 'order-service', to: 'payment-service', method: 'POST', route: '/payments', retryable: false },
];

/** The only public entry point (exposed through the ingress gateway). */
export const PUBLIC_ENTRY: { readonly service: ServiceName; readonly pathPrefixes: readonly string[] } = {
  service: 'order-service',
  pathPrefixes: ['/orders'],
};

/** Environment variables that point a service at its dependencies. */
export const DEPENDENCY_URL_ENV: Readonly<Record<ServiceName, string>> = {
  'user-service': 'USER_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
};

export const HEALTH_PATHS = { summary: '/health', live: '/health/live', ready: '/health/ready' } as const;
export const METRICS_PATH = '/metrics';
export const OPENAPI_PATH = '/openapi.json';
export const FAULTS_PATH = '/admin/faults';

export const localBaseUrl = (service: ServiceName): string => `http://127.0.0.1:${LOCAL_PORTS[service].publicPort}`;
export const localAdminUrl = (service: ServiceName): string => `http://127.0.0.1:${LOCAL_PORTS[service].adminPort}`;

/**
 * Ports of the telemetry backends run by `npm start` (all bound to 127.0.0.1). Jaeger's OTLP receivers are moved
 * off 4317/4318 so the collector owns the standard ports and Jaeger only receives what the collector forwards.
 */
export const BACKEND_PORTS = {
  collectorOtlpGrpc: 4317,
  collectorOtlpHttp: 4318,
  /** The collector's Prometheus exporter: span metrics (spanmetrics connector). */
  collectorPrometheusExporter: 8889,
  /** The collector's own telemetry (accepted/refused/dropped, exporter queue). */
  collectorSelfMetrics: 8888,
  collectorHealthCheck: 13133,
  jaegerOtlpGrpc: 14317,
  jaegerOtlpHttp: 14318,
  /** Jaeger query API (and UI where built): http://127.0.0.1:16686/api/traces */
  jaegerQuery: 16686,
  /** Jaeger query gRPC API (api_v2/api_v3); not used by the stack itself, but it must not collide. */
  jaegerQueryGrpc: 16685,
  jaegerSelfMetrics: 14269,
  prometheus: 9090,
  alertmanager: 9093,
} as const;
