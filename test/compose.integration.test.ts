/**
 * compose.yaml cannot run here (no Docker engine), so it is checked the ways that do not need one: loaded by compose-go
 * (Docker Compose's own loader, which validates against the Compose Specification schema it embeds, so no second
 * schema validator is needed), and against the rest of the repository — the stack map's ports, what each
 * service reads from its environment, the collector and Jaeger configs' listener variables, the generated
 * Prometheus config, and every file it mounts or builds from.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENVIRONMENTS, PROMETHEUS_FLAGS } from '@mesh-stack/observability/scrape';
import { resolveTelemetryConfig } from '@mesh-stack/service-kit/telemetry';
import { BACKEND_PORTS, CALL_EDGES, DEPENDENCY_URL_ENV, LOCAL_PORTS, SERVICE_NAMES } from '@mesh-stack/stack';
import { GO_TOOLS } from '@mesh-stack/tools';
import { parse } from 'yaml';
import { COMPOSE_PROMETHEUS_CONFIG, renderComposePrometheusConfig } from '../compose/prometheus.ts';
import { COMPOSE_HOST_BY_PORT, COMPOSE_SERVICE, composeAddress } from '../compose/topology.ts';
import { configSchema as orderConfig } from '../services/order-service/src/config.ts';
import { configSchema as paymentConfig } from '../services/payment-service/src/config.ts';
import { configSchema as userConfig } from '../services/user-service/src/config.ts';
import {
  bindMountsOf,
  type ComposeService,
  environmentOf,
  parsePort,
  REPO_ROOT,
  readCompose,
} from './support/compose-file.ts';

const compose = readCompose();
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  assert.ok(found, `compose.yaml has no service ${name}`);
  return found;
};

/** What each service validates its environment with (a zod object: `shape` lists every variable it reads). */
const configSchemas = { 'user-service': userConfig, 'order-service': orderConfig, 'payment-service': paymentConfig };

describe('compose.yaml', () => {
  it('loads with compose-go, the loader Docker Compose is built on, to the model these tests read', () => {
    // Only PATH: every ${VAR:-default} takes its default, as for a user with no .env file.
    const load = (file: string) =>
      spawnSync(GO_TOOLS.composeSpec, [file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.ok(existsSync(GO_TOOLS.composeSpec), `${GO_TOOLS.composeSpec} is missing: run npm run setup`);
    const result = load(join(REPO_ROOT, 'compose.yaml'));
    assert.equal(result.status, 0, result.stderr);
    const project = JSON.parse(result.stdout) as {
      name: string;
      services: Record<string, { environment?: Record<string, string>; image?: string }>;
    };
    assert.equal(project.name, compose.name);
    assert.deepEqual(Object.keys(project.services).sort(), Object.keys(compose.services).sort());
    // The interpolation and merge keys these tests apply (test/support/compose-file.ts) give what Compose gives.
    for (const [name, definition] of Object.entries(compose.services)) {
      assert.deepEqual(project.services[name]?.environment ?? {}, environmentOf(definition), name);
      assert.equal(project.services[name]?.image, definition.image, name);
    }

    // And it refuses what Compose refuses: a dependency on a service that does not exist.
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const broken = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8').replace(
        'user-service:\n        condition: service_healthy',
        'user-servic:\n        condition: service_healthy',
      );
      assert.notEqual(broken, readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8'));
      writeFileSync(join(dir, 'compose.yaml'), broken);
      const refused = load(join(dir, 'compose.yaml'));
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /user-servic/);

      // And its schema is strict enough to catch a misspelt key.
      const misspelt = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8').replace('depends_on:', 'depends_onn:');
      writeFileSync(join(dir, 'compose.yaml'), misspelt);
      const invalid = load(join(dir, 'compose.yaml'));
      assert.equal(invalid.status, 1);
      assert.match(invalid.stderr, /depends_onn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs every service of the stack map, the backends and Grafana', () => {
    assert.deepEqual(
      Object.keys(compose.services).sort(),
      [...SERVICE_NAMES, ...Object.values(COMPOSE_SERVICE)].sort(),
    );
  });

  it('publishes on 127.0.0.1 only, without collisions, on the ports of the native stack', () => {
    const hostPorts: number[] = [];
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const port of (definition.ports ?? []).map(parsePort)) {
        assert.equal(port.hostIp, '127.0.0.1', `${name} publishes ${port.hostPort} beyond loopback`);
        assert.equal(port.hostPort, port.containerPort, `${name}: same port inside and outside`);
        hostPorts.push(port.hostPort);
        if (name !== COMPOSE_SERVICE.grafana) {
          assert.equal(
            COMPOSE_HOST_BY_PORT.get(port.hostPort),
            name,
            `${name} publishes ${port.hostPort}, not its own`,
          );
        }
      }
    }
    assert.equal(new Set(hostPorts).size, hostPorts.length, `duplicate host ports: ${hostPorts.join(', ')}`);
    for (const name of SERVICE_NAMES) {
      const ports = (service(name).ports ?? []).map(parsePort).map((port) => port.hostPort);
      assert.deepEqual(ports, [LOCAL_PORTS[name].publicPort, LOCAL_PORTS[name].adminPort], name);
    }
    const backendPorts = new Set<number>(Object.values(BACKEND_PORTS));
    for (const name of [
      COMPOSE_SERVICE.collector,
      COMPOSE_SERVICE.jaeger,
      COMPOSE_SERVICE.prometheus,
      COMPOSE_SERVICE.alertmanager,
    ]) {
      for (const port of (service(name).ports ?? []).map(parsePort))
        assert.ok(backendPorts.has(port.hostPort), `${name} ${port.hostPort}`);
    }
  });

  it("gives each service an environment its own config schema accepts, with nothing it doesn't read", () => {
    const telemetrySource = readFileSync(join(REPO_ROOT, 'services/service-kit/src/telemetry/config.ts'), 'utf8');
    const sdkSource = readFileSync(join(REPO_ROOT, 'services/service-kit/src/telemetry/sdk.ts'), 'utf8');
    for (const name of SERVICE_NAMES) {
      const env = environmentOf(service(name));
      const schema = configSchemas[name];
      const parsed = schema.safeParse(env);
      assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error)}`);
      for (const variable of Object.keys(env)) {
        const read =
          variable in schema.shape ||
          (variable.startsWith('OTEL_') && (telemetrySource.includes(variable) || sdkSource.includes(variable)));
        assert.ok(read, `${name}: ${variable} is set but nothing reads it`);
      }
      assert.equal(env.PORT, String(LOCAL_PORTS[name].publicPort), name);
      assert.equal(env.ADMIN_PORT, String(LOCAL_PORTS[name].adminPort), name);
      assert.equal(env.HOST, '0.0.0.0', `${name} must listen beyond the container's loopback`);
      assert.ok(
        env.DATABASE_URL?.startsWith('postgres://'),
        `${name} uses PostgreSQL, not a file in a read-only container`,
      );
      assert.equal(service(name).read_only, true, `${name} runs with a read-only root filesystem`);

      // Telemetry: named after the service, exported to the collector's OTLP/HTTP port on the compose network.
      const { config, warnings } = resolveTelemetryConfig({ serviceName: name, serviceVersion: '0.0.0' }, {}, env);
      assert.deepEqual(warnings, [], name);
      assert.equal(config.serviceName, name);
      assert.equal(
        env.OTEL_EXPORTER_OTLP_ENDPOINT,
        `http://${composeAddress(`127.0.0.1:${BACKEND_PORTS.collectorOtlpHttp}`)}`,
      );
    }
  });

  it('points every call edge at the callee on the compose network', () => {
    for (const edge of CALL_EDGES) {
      const env = environmentOf(service(edge.from));
      assert.equal(
        env[DEPENDENCY_URL_ENV[edge.to]],
        `http://${edge.to}:${LOCAL_PORTS[edge.to].publicPort}`,
        `${edge.from} → ${edge.to}`,
      );
      assert.equal(
        service(edge.from).depends_on?.[edge.to]?.condition,
        'service_healthy',
        `${edge.from} waits for ${edge.to}`,
      );
    }
  });

  it('connects each service to its own PostgreSQL role and database, as the shared init script creates them', () => {
    const init = readFileSync(join(REPO_ROOT, 'k8s/base/postgres/init-databases.sh'), 'utf8');
    const created = [...init.matchAll(/^create_database (\w+) (\w+) "\$(\w+)"$/gm)].map(
      ([, role, database, passwordVariable]) => ({
        role,
        database,
        passwordVariable,
      }),
    );
    assert.equal(created.length, SERVICE_NAMES.length);
    const postgresEnv = environmentOf(service(COMPOSE_SERVICE.postgres));
    for (const name of SERVICE_NAMES) {
      const url = new URL(environmentOf(service(name)).DATABASE_URL ?? '');
      const entry = created.find((candidate) => candidate.role === url.username);
      assert.ok(entry, `${name} connects as ${url.username}, a role the init script does not create`);
      assert.equal(url.pathname, `/${entry.database}`);
      assert.equal(url.host, `${COMPOSE_SERVICE.postgres}:5432`);
      assert.equal(url.password, postgresEnv[entry.passwordVariable ?? ''], `${name}: same password on both sides`);
      assert.equal(service(name).depends_on?.[COMPOSE_SERVICE.postgres]?.condition, 'service_healthy');
    }
  });

  it('moves every loopback listener and peer of the collector and Jaeger configs onto the compose network', () => {
    const mounted = [
      { name: COMPOSE_SERVICE.collector, file: 'observability/otel-collector/config.yaml' },
      { name: COMPOSE_SERVICE.jaeger, file: 'observability/jaeger/config.yaml' },
    ];
    for (const { name, file } of mounted) {
      assert.ok(
        bindMountsOf(service(name)).some((mount) => mount.source === `./${file}`),
        `${name} mounts ${file}`,
      );
      const env = environmentOf(service(name));
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      const loopbackDefaults = [...text.matchAll(/\$\{env:([A-Z0-9_]+):-(127\.0\.0\.1(?::\d+)?)\}/g)];
      assert.ok(loopbackDefaults.length > 0, `${file} takes its addresses from the environment`);
      for (const [, variable = '', fallback = ''] of loopbackDefaults) {
        const value = env[variable];
        assert.ok(value !== undefined, `${name}: ${variable} keeps ${fallback}, unreachable from other containers`);
        const port = fallback.split(':')[1];
        if (port === undefined) assert.equal(value, '0.0.0.0', `${name}: ${variable}`);
        else assert.ok([`0.0.0.0:${port}`, composeAddress(fallback)].includes(value), `${name}: ${variable}=${value}`);
      }
    }
  });

  it('runs Prometheus on the generated compose config with the rules and flags of the native stack', () => {
    assert.equal(
      readFileSync(COMPOSE_PROMETHEUS_CONFIG, 'utf8'),
      renderComposePrometheusConfig(),
      'run `npm run generate:compose`',
    );
    const prometheus = service(COMPOSE_SERVICE.prometheus);
    const mounts = bindMountsOf(prometheus);
    const configMount = mounts.find((mount) => mount.source === './compose/prometheus.yml');
    assert.ok(configMount);
    const config = parse(readFileSync(COMPOSE_PROMETHEUS_CONFIG, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    // rule_files are relative to the config file: the rules directory must be mounted beside it.
    const configDir = configMount.target.slice(0, configMount.target.lastIndexOf('/'));
    for (const glob of config.rule_files) {
      const dir = glob.slice(0, glob.indexOf('/'));
      assert.ok(
        mounts.some(
          (mount) => mount.source === './observability/prometheus/rules' && mount.target === `${configDir}/${dir}`,
        ),
        `rules mounted at ${configDir}/${dir}`,
      );
    }
    const command = prometheus.command ?? [];
    assert.ok(command.includes(`--config.file=${configMount.target}`));
    for (const flag of PROMETHEUS_FLAGS) assert.ok(command.includes(flag), flag);
    for (const job of config.scrape_configs) {
      for (const target of job.static_configs.flatMap((entry) => entry.targets)) {
        assert.ok(
          (target.split(':')[0] ?? '') in compose.services,
          `${job.job_name} scrapes ${target}: no such compose service`,
        );
      }
    }
  });

  it('gives Grafana the provisioning, the dashboards where the provider reads them, and every URL it expects', () => {
    const grafana = service(COMPOSE_SERVICE.grafana);
    const mounts = bindMountsOf(grafana);
    const provisioning = mounts.find((mount) => mount.source === './observability/grafana/provisioning');
    assert.equal(provisioning?.target, '/etc/grafana/provisioning');
    const providers = parse(
      readFileSync(join(REPO_ROOT, 'observability/grafana/provisioning/dashboards/dashboards.yaml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    for (const provider of providers.providers) {
      assert.ok(
        mounts.some(
          (mount) => mount.source === './observability/grafana/dashboards' && mount.target === provider.options.path,
        ),
        `dashboards mounted at ${provider.options.path}`,
      );
    }
    const env = environmentOf(grafana);
    const datasources = readFileSync(
      join(REPO_ROOT, 'observability/grafana/provisioning/datasources/datasources.yaml'),
      'utf8',
    );
    const expected: Record<string, number> = {
      PROMETHEUS_URL: BACKEND_PORTS.prometheus,
      JAEGER_URL: BACKEND_PORTS.jaegerQuery,
      ALERTMANAGER_URL: BACKEND_PORTS.alertmanager,
    };
    const variables = [...datasources.matchAll(/\$\{?([A-Z_]+)\}?/g)].map(([, variable]) => variable ?? '');
    assert.ok(variables.length > 0);
    // Grafana's `timeInterval` is the scrape interval of the Prometheus it reads (compose's, from one place).
    assert.ok(variables.includes('PROMETHEUS_SCRAPE_INTERVAL'));
    assert.equal(env.PROMETHEUS_SCRAPE_INTERVAL, ENVIRONMENTS.compose.scrapeInterval);
    for (const variable of variables.filter((name) => name !== 'PROMETHEUS_SCRAPE_INTERVAL')) {
      const port = expected[variable];
      assert.ok(port !== undefined, `datasources use ${variable}: teach this test where it points`);
      assert.equal(env[variable], `http://${composeAddress(`127.0.0.1:${port}`)}`, variable);
    }
  });

  it('mounts only files and folders that exist in the repository, read-only', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const mount of bindMountsOf(definition)) {
        assert.ok(mount.source.startsWith('./'), `${name}: ${mount.source} must be relative to the repository`);
        assert.ok(existsSync(join(REPO_ROOT, mount.source)), `${name} mounts ${mount.source}, which does not exist`);
        assert.ok(mount.readOnly, `${name} mounts ${mount.source} writable`);
      }
    }
    assert.ok(statSync(join(REPO_ROOT, 'k8s/base/postgres/init-databases.sh')).isFile());
  });

  it('builds the services from their Dockerfiles and pins every image tag', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      assert.ok(definition.image, `${name} names its image`);
      const tag = definition.image.split(':')[1];
      assert.ok(tag !== undefined && tag !== 'latest' && /\d/.test(tag), `${name}: ${definition.image} is not pinned`);
      if (definition.build !== undefined) {
        assert.equal(definition.build.context, '.', `${name} builds from the repository root`);
        assert.ok(existsSync(join(REPO_ROOT, definition.build.dockerfile ?? 'Dockerfile')), `${name}: no Dockerfile`);
        assert.equal(definition.build.dockerfile, `services/${name}/Dockerfile`);
        const version = (
          JSON.parse(readFileSync(join(REPO_ROOT, 'services', name, 'package.json'), 'utf8')) as { version: string }
        ).version;
        // The same image the Kubernetes base deploys, so one `docker compose build` serves both.
        assert.equal(definition.image, `ghcr.io/mesh-stack/${name}:${version}`);
        const deployment = readFileSync(join(REPO_ROOT, 'k8s', 'base', `${name}.yaml`), 'utf8');
        const deployed = [...deployment.matchAll(/^\s+image: (\S+)$/gm)]
          .map(([, image = '']) => image)
          .filter((image) => image.includes(`/${name}:`));
        assert.ok(deployed.length > 0 && deployed.every((image) => image === definition.image), deployed.join(', '));
      }
    }
  });

  it('waits on health wherever a health check exists, and on start only where none can run', () => {
    const hasHealthcheck = (name: string): boolean => {
      const definition = service(name);
      if (definition.healthcheck?.test !== undefined) return true;
      // Built services inherit their Dockerfile's HEALTHCHECK.
      return (
        definition.build !== undefined &&
        /^HEALTHCHECK /m.test(readFileSync(join(REPO_ROOT, definition.build.dockerfile ?? ''), 'utf8'))
      );
    };
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(definition.depends_on ?? {})) {
        assert.ok(dependency in compose.services, `${name} depends on unknown ${dependency}`);
        assert.equal(
          condition,
          hasHealthcheck(dependency) ? 'service_healthy' : 'service_started',
          `${name} → ${dependency}`,
        );
      }
    }
  });
});
