import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { portMapping, stackPorts } from './ports.ts';
import { preparePrometheusConfig } from './prometheus-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const source = join(dir, 'prometheus.yml');
writeFileSync(
  source,
  `global:
  scrape_interval: 15s
rule_files:
  - rules/*.yaml
  - /etc/absolute.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:9093']
scrape_configs:
  - job_name: order-service
    static_configs:
      - targets: ['127.0.0.1:9082', 'localhost:9082']
  - job_name: elsewhere
    static_configs:
      - targets: ['10.0.0.1:9082', '127.0.0.1:1234']
`,
);

interface Config {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { static_configs: { targets: string[] }[] }[];
}

describe('preparePrometheusConfig', () => {
  it('uses the file itself when no port moves', () => {
    assert.equal(preparePrometheusConfig(source, portMapping(stackPorts(0)), join(dir, 'out0')), source);
  });

  it('moves loopback targets by the offset and makes rule_files absolute', () => {
    const output = preparePrometheusConfig(source, portMapping(stackPorts(2500)), join(dir, 'out'));
    const config = parse(readFileSync(output, 'utf8')) as Config;
    assert.deepEqual(config.rule_files, [join(dir, 'rules/*.yaml'), '/etc/absolute.yaml']);
    assert.deepEqual(config.alerting.alertmanagers[0]?.static_configs[0]?.targets, ['127.0.0.1:11593']);
    assert.deepEqual(config.scrape_configs[0]?.static_configs[0]?.targets, ['127.0.0.1:11582', 'localhost:11582']);
    // Other hosts and ports that are not the stack's stay as written.
    assert.deepEqual(config.scrape_configs[1]?.static_configs[0]?.targets, ['10.0.0.1:9082', '127.0.0.1:1234']);
  });
});
