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

/**
 * V8's heap limits for every service process, wherever it runs: the images' `NODE_OPTIONS`, Kubernetes' (which
 * replaces the image's), `npm start`, the tests and `npm run bench`. 4 MB per young-generation semi-space (V8 lets
 * each grow to 64 MB under load: most of a service's resident memory): 2 MB, the earlier cap, cost more in
 * scavenges than the memory it saved, and 8 MB took order-service over the 150 MB budget in a soak (BENCHMARKS.md,
 * "The young generation's size"). The old generation capped at 160 MB, below the 256Mi container limit with room
 * for code and buffers (docs/scaling.md, "Memory").
 */
export const SERVICE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=4', '--max-old-space-size=160'];

/** Port names used by Kubernetes Services and container ports. */
export const PORT_NAMES = { public: 'http', admin: 'http-metrics' } as const;

/**
 * The time budget of one call edge, read by the client (order-service's config defaults), the mesh manifests and
 * docs/resilience.md. Retries live on one layer only, the client's (it knows the deadline and the Idempotency-Key);
 * the mesh never retries. The mesh timeout is the outer bound of one attempt: a little above the client's attempt
 * timeout, so the client's fires first and the mesh's only if the client failed to enforce its own.
 */
export interface CallBudget {
  /** Timeout of one client attempt. */
  readonly attemptTimeoutMs: number;
  /** Retries after the first attempt, by the client, within the request's remaining deadline. */
  readonly clientRetries: number;
  /** The mesh's per-request timeout on this edge (Istio `timeout`, Linkerd `timeout.linkerd.io/request`). */
  readonly meshTimeoutMs: number;
  /** Always 0: retries on one layer only. */
  readonly meshRetries: 0;
}

export interface CallEdge {
  readonly from: ServiceName;
  readonly to: ServiceName;
  readonly method: 'GET' | 'POST';
  /** Route template on the callee. */
  readonly route: string;
  /** Whether a retry is safe at all (by the client; the mesh never retries, see {@link CallBudget}). */
  readonly retryable: boolean;
  /** `request`: made while serving a client's request; `background`: made by order reconciliation. */
  readonly during: 'request' | 'background';
  readonly budget: CallBudget;
}

/** Every real service-to-service call. Mesh authorization allows exactly these and nothing else. */
export const CALL_EDGES: readonly CallEdge[] = [
  {
    from: 'order-service',
    to: 'user-service',
    method: 'GET',
    route: '/users/:id',
    retryable: true,
    during: 'request',
    budget: { attemptTimeoutMs: 1000, clientRetries: 2, meshTimeoutMs: 1500, meshRetries: 0 },
  },
  // Retried only by the client, which always sends the order id as Idempotency-Key; never by the mesh.
  {
    from: 'order-service',
    to: 'payment-service',
    method: 'POST',
    route: '/payments',
    retryable: false,
    during: 'request',
    budget: { attemptTimeoutMs: 2000, clientRetries: 2, meshTimeoutMs: 2500, meshRetries: 0 },
  },
  // Reconciliation of orders left pending: asks payment-service for the payment of an order (`?orderId=`).
  {
    from: 'order-service',
    to: 'payment-service',
    method: 'GET',
    route: '/payments',
    retryable: true,
    during: 'background',
    budget: { attemptTimeoutMs: 1000, clientRetries: 1, meshTimeoutMs: 1500, meshRetries: 0 },
  },
];

/**
 * The budget of the public `POST /orders`, outermost last: the service's own deadline for the whole request (every
 * downstream call gets what is left of it), then the ingress route's timeout, then the load driver's request timeout.
 * Each is above the one before, so the service answers (503 problem+json) before the gateway cuts it off.
 */
export const PUBLIC_REQUEST_BUDGET = {
  /** order-service's deadline for one `POST /orders`, both dependency calls included. */
  deadlineMs: 8000,
  /** The gateway/ingress route timeout on `/orders` (Istio VirtualService, Linkerd HTTPRoute). */
  gatewayTimeoutMs: 9000,
  /** `npm run load`'s per-request timeout. */
  loadDriverTimeoutMs: 10_000,
} as const;

/** The call edge from `from` to `to` for `method route`; throws when the stack map has no such call. */
export const callEdge = (from: ServiceName, to: ServiceName, method: CallEdge['method'], route: string): CallEdge => {
  const edge = CALL_EDGES.find(
    (candidate) =>
      candidate.from === from && candidate.to === to && candidate.method === method && candidate.route === route,
  );
  if (edge === undefined) throw new Error(`no call edge ${from} → ${to} ${method} ${route} in the stack map`);
  return edge;
};

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
