/**
 * k8s/monitoring carries observability/ unchanged: every config, rule file and dashboard is in a generated
 * ConfigMap byte for byte, and none is missing (Kustomize has no globs, so a new file must be listed).
 */
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-stack/tools';
import { parse } from 'yaml';
import { kustomizeBuild, parseManifests } from '../lib/build.ts';
import { at, byKind, type K8sObject, stringMap } from '../lib/model.ts';

const objects = parseManifests(kustomizeBuild('monitoring'));

/** ConfigMap data by the generator's name (the built name carries a content hash suffix). */
const configMapData = (generatorName: string): Record<string, string> => {
  const found = byKind(objects, 'ConfigMap').filter((map) => map.metadata.name.startsWith(`${generatorName}-`));
  assert.equal(found.length, 1, `one ConfigMap generated as ${generatorName}`);
  return stringMap(at(found[0], 'data'));
};

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

const mountedConfigMaps = (deployment: K8sObject): string[] =>
  (at(deployment, 'spec', 'template', 'spec', 'volumes') as unknown[] | undefined)
    ?.map((volume) => String(at(volume, 'configMap', 'name') ?? ''))
    .filter(Boolean) ?? [];

describe('k8s/monitoring generates its configuration from observability/', () => {
  it('the collector, Jaeger, Prometheus and Alertmanager configs are the repository files', () => {
    assert.deepEqual(configMapData('otel-collector-config'), {
      'config.yaml': read('observability/otel-collector/config.yaml'),
    });
    assert.deepEqual(configMapData('jaeger-config'), { 'config.yaml': read('observability/jaeger/config.yaml') });
    assert.deepEqual(configMapData('prometheus-config'), {
      'prometheus.yml': read('observability/prometheus/prometheus-kubernetes.yml'),
    });
    assert.deepEqual(configMapData('alertmanager-config'), {
      'alertmanager.yml': read('observability/prometheus/alertmanager.yml'),
    });
  });

  for (const [generator, pattern] of [
    ['prometheus-rules', 'observability/prometheus/rules/*.yaml'],
    ['grafana-dashboards', 'observability/grafana/dashboards/*.json'],
    ['grafana-datasources', 'observability/grafana/provisioning/datasources/*.yaml'],
    ['grafana-dashboard-providers', 'observability/grafana/provisioning/dashboards/*.yaml'],
  ] as const) {
    it(`${generator} holds every ${pattern}`, () => {
      const files = globSync(pattern, { cwd: REPO_ROOT }).sort();
      assert.ok(files.length > 0, `no ${pattern}`);
      assert.deepEqual(configMapData(generator), Object.fromEntries(files.map((file) => [basename(file), read(file)])));
    });
  }

  it('every generated ConfigMap is mounted by a workload (the hash suffix is rewritten in the references)', () => {
    const mounted = new Set(byKind(objects, 'Deployment').flatMap(mountedConfigMaps));
    for (const map of byKind(objects, 'ConfigMap'))
      assert.ok(mounted.has(map.metadata.name), `${map.metadata.name} is mounted`);
  });

  it('the Prometheus rules are mounted where prometheus-kubernetes.yml looks for them', () => {
    const config = read('observability/prometheus/prometheus-kubernetes.yml');
    assert.match(config, /rule_files:\s*\n\s*- rules\/\*\.yaml/);
    const prometheus = byKind(objects, 'Deployment').find((deployment) => deployment.metadata.name === 'prometheus');
    const container = at(prometheus, 'spec', 'template', 'spec', 'containers', 0);
    const args = (at(container, 'args') as string[]).join(' ');
    assert.match(args, /--config\.file=\/etc\/prometheus\/prometheus\.yml/);
    const mounts = (at(container, 'volumeMounts') as unknown[]).map((mount) => [
      at(mount, 'name'),
      at(mount, 'mountPath'),
    ]);
    assert.deepEqual(
      mounts.find(([name]) => name === 'rules'),
      ['rules', '/etc/prometheus/rules'],
    );
  });
});

describe('Grafana in k8s/monitoring uses the provisioning as written', () => {
  const grafana = byKind(objects, 'Deployment').find((deployment) => deployment.metadata.name === 'grafana');
  const container = at(grafana, 'spec', 'template', 'spec', 'containers', 0);
  const volumes = (at(grafana, 'spec', 'template', 'spec', 'volumes') as unknown[]) ?? [];
  const mountOf = (configMapPrefix: string): string | undefined => {
    const volume = volumes.find((candidate) =>
      String(at(candidate, 'configMap', 'name') ?? '').startsWith(`${configMapPrefix}-`),
    );
    const mount = ((at(container, 'volumeMounts') as unknown[]) ?? []).find(
      (candidate) => at(candidate, 'name') === at(volume, 'name'),
    );
    return at(mount, 'mountPath') as string | undefined;
  };

  it('mounts the dashboards where the dashboard provider reads them', () => {
    const providers = parse(configMapData('grafana-dashboard-providers')['dashboards.yaml'] ?? '') as unknown;
    const paths = ((at(providers, 'providers') as unknown[]) ?? []).map((provider) => at(provider, 'options', 'path'));
    assert.deepEqual(paths, [mountOf('grafana-dashboards')]);
    assert.equal(mountOf('grafana-dashboard-providers'), '/etc/grafana/provisioning/dashboards');
    assert.equal(mountOf('grafana-datasources'), '/etc/grafana/provisioning/datasources');
  });

  it('sets every environment variable the datasources refer to, pointing at the monitoring Services', () => {
    const datasources = configMapData('grafana-datasources')['datasources.yaml'] ?? '';
    const referenced = [...datasources.matchAll(/\$\{([A-Z_]+)\}/g)].map((match) => match[1]).sort();
    assert.ok(referenced.length > 0);
    const env = new Map(
      ((at(container, 'env') as unknown[]) ?? []).map((entry) => [at(entry, 'name'), at(entry, 'value')]),
    );
    const services = new Set(byKind(objects, 'Service').map((service) => service.metadata.name));
    for (const name of referenced.filter((variable) => variable?.endsWith('_URL'))) {
      const url = new URL(String(env.get(name)));
      assert.ok(
        services.has(url.hostname.split('.')[0] ?? ''),
        `${name}=${url.href} names a Service of k8s/monitoring`,
      );
    }
    // Grafana's query step for the Prometheus datasource: the scrape interval this Prometheus actually uses.
    const scrapeInterval = at(
      parse(read('observability/prometheus/prometheus-kubernetes.yml')),
      'global',
      'scrape_interval',
    );
    assert.equal(typeof scrapeInterval, 'string');
    assert.equal(env.get('PROMETHEUS_SCRAPE_INTERVAL'), scrapeInterval);
    assert.deepEqual(
      referenced.filter((variable) => !variable?.endsWith('_URL')),
      ['PROMETHEUS_SCRAPE_INTERVAL'],
    );
  });
});
