/**
 * @module How `compose.yaml` maps onto the stack map (`stack.ts`): every container listens on the same ports as the
 * native stack (`npm start`), so the loopback address `127.0.0.1:<port>` of the local configuration becomes
 * `<compose service>:<port>` on the compose network, and the published ports on the host are the familiar ones.
 */
import { BACKEND_PORTS, LOCAL_PORTS, SERVICE_NAMES } from '@mesh-stack/stack';

export const COMPOSE_SERVICE = {
  postgres: 'postgres',
  collector: 'otel-collector',
  jaeger: 'jaeger',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
} as const;

/** Which backend port lives in which compose service. */
const BACKEND_PORT_OWNER: Readonly<Record<keyof typeof BACKEND_PORTS, string>> = {
  collectorOtlpGrpc: COMPOSE_SERVICE.collector,
  collectorOtlpHttp: COMPOSE_SERVICE.collector,
  collectorPrometheusExporter: COMPOSE_SERVICE.collector,
  collectorSelfMetrics: COMPOSE_SERVICE.collector,
  collectorHealthCheck: COMPOSE_SERVICE.collector,
  jaegerOtlpGrpc: COMPOSE_SERVICE.jaeger,
  jaegerOtlpHttp: COMPOSE_SERVICE.jaeger,
  jaegerQuery: COMPOSE_SERVICE.jaeger,
  jaegerQueryGrpc: COMPOSE_SERVICE.jaeger,
  jaegerSelfMetrics: COMPOSE_SERVICE.jaeger,
  prometheus: COMPOSE_SERVICE.prometheus,
  alertmanager: COMPOSE_SERVICE.alertmanager,
};

/** Port → compose service, for every port of the local stack. */
export const COMPOSE_HOST_BY_PORT: ReadonlyMap<number, string> = new Map<number, string>([
  ...SERVICE_NAMES.flatMap((service): [number, string][] => [
    [LOCAL_PORTS[service].publicPort, service],
    [LOCAL_PORTS[service].adminPort, service],
  ]),
  ...Object.entries(BACKEND_PORTS).map(([name, port]): [number, string] => [
    port,
    BACKEND_PORT_OWNER[name as keyof typeof BACKEND_PORTS],
  ]),
]);

/** `127.0.0.1:9081` → `user-service:9081`; throws for a port no compose service owns. */
export const composeAddress = (loopbackAddress: string): string => {
  const match = /^127\.0\.0\.1:(\d+)$/.exec(loopbackAddress);
  if (match === null) throw new Error(`not a loopback address: ${loopbackAddress}`);
  const port = Number(match[1]);
  const host = COMPOSE_HOST_BY_PORT.get(port);
  if (host === undefined) throw new Error(`no compose service owns port ${port} (${loopbackAddress})`);
  return `${host}:${port}`;
};

/** Rewrites every loopback `host:port` string in a configuration object to its compose address. */
export const toComposeAddresses = <T>(value: T): T => {
  if (typeof value === 'string') return (/^127\.0\.0\.1:\d+$/.test(value) ? composeAddress(value) : value) as T;
  if (Array.isArray(value)) return value.map((item) => toComposeAddresses(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toComposeAddresses(item)])) as T;
  }
  return value;
};
