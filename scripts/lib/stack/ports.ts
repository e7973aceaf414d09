/**
 * @module Ports of one local stack. `npm start` uses the defaults from the stack map; a test stack adds an offset
 * to every port so it can run beside a developer's `npm start` (and beside another test stack with another offset).
 */
import { BACKEND_PORTS, LOCAL_PORTS, SERVICE_NAMES, type ServiceName, type ServicePorts } from '@mesh-stack/stack';

export type BackendPortName = keyof typeof BACKEND_PORTS;

export interface StackPorts {
  readonly services: Readonly<Record<ServiceName, ServicePorts>>;
  readonly backends: Readonly<Record<BackendPortName, number>>;
}

const HIGHEST_OFFSET_PORT = 32_767; // below Linux's ephemeral range (32768–60999), where test servers on port 0 land

export const stackPorts = (offset = 0): StackPorts => {
  const shift = (port: number): number => {
    const shifted = port + offset;
    if (!Number.isInteger(offset) || shifted < 1024 || (offset !== 0 && shifted > HIGHEST_OFFSET_PORT)) {
      throw new RangeError(
        `port offset ${offset} moves port ${port} to ${shifted}, outside 1024–${HIGHEST_OFFSET_PORT}`,
      );
    }
    return shifted;
  };
  const services = Object.fromEntries(
    SERVICE_NAMES.map((name) => [
      name,
      { publicPort: shift(LOCAL_PORTS[name].publicPort), adminPort: shift(LOCAL_PORTS[name].adminPort) },
    ]),
  ) as Record<ServiceName, ServicePorts>;
  const backends = Object.fromEntries(
    Object.entries(BACKEND_PORTS).map(([name, port]) => [name, shift(port)]),
  ) as Record<BackendPortName, number>;
  return { services, backends };
};

/** Default port → offset port, for rewriting scrape targets written against the defaults. */
export const portMapping = (ports: StackPorts): ReadonlyMap<number, number> => {
  const defaults = stackPorts(0);
  const mapping = new Map<number, number>();
  for (const name of SERVICE_NAMES) {
    mapping.set(defaults.services[name].publicPort, ports.services[name].publicPort);
    mapping.set(defaults.services[name].adminPort, ports.services[name].adminPort);
  }
  for (const name of Object.keys(BACKEND_PORTS) as BackendPortName[]) {
    mapping.set(defaults.backends[name], ports.backends[name]);
  }
  return mapping;
};

/**
 * Port offsets reserved for stacks started by tests, chosen so that no two of these stacks and no default port
 * (nor PostgreSQL's 5432) share a port: each test file that starts a stack uses its own entry, and can therefore run
 * beside the others and beside a developer's `npm start`. scripts/lib/stack/ports.test.ts checks it.
 */
export const TEST_PORT_OFFSETS = {
  /** observability/otel-collector/collector.integration.test.ts (Jaeger + collector only). */
  collectorTest: 2000,
  /** scripts/stack.integration.test.ts (the full stack, up and down). */
  stackTest: 2500,
  /** test/e2e/live-stack.e2e.test.ts (the full stack under load). */
  endToEnd: 4000,
  /** test/e2e/outage-alert.e2e.test.ts (a service stopped until it pages). */
  outageAlert: 6000,
  spare: 4500,
} as const;
