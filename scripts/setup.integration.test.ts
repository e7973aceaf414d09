/**
 * The setup script against this machine: what it installs is really there and usable, and a second run changes
 * nothing (npm test has just run it, so here it must find everything in place).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEBIAN_TOOLS, GO_TOOLS, REPO_ROOT } from '@mesh-stack/tools';
import { matchesUpstream, upstreamOf } from './lib/setup/debian.ts';
import { goBinary, toolBinaries } from './lib/setup/go-tools.ts';
import { POSTGRES } from './lib/setup/postgres.ts';

const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(command, args, { encoding: 'utf8', cwd: REPO_ROOT, env });

describe('setup helpers', () => {
  it('names the binaries of single and grouped tool directives, skipping /vN suffixes', () => {
    const goMod = [
      'module example.com/tools/x',
      'tool github.com/jaegertracing/jaeger/cmd/jaeger',
      'tool (',
      '\tgithub.com/yannh/kubeconform/cmd/kubeconform // schema checks',
      '\tsigs.k8s.io/kustomize/kustomize/v5',
      ')',
    ].join('\n');
    assert.deepEqual(toolBinaries(goMod).sort(), ['jaeger', 'kubeconform', 'kustomize']);
  });

  it('compares Debian versions by upstream release', () => {
    assert.equal(upstreamOf('2.42.0+ds-5+deb12u1'), '2.42.0+ds');
    assert.equal(upstreamOf('1:1.07.4-11'), '1.07.4');
    assert.ok(matchesUpstream('2.42.0+ds-5+deb12u1', '2.42.0'));
    assert.ok(matchesUpstream('15+248+deb12u2', '15'));
    assert.ok(!matchesUpstream('2.45.0+ds-1', '2.42.0'));
    assert.ok(!matchesUpstream('0.250.0-1', '0.25.0'));
  });
});

describe('setup on this machine', () => {
  it('finds everything installed on a second run and rebuilds nothing', () => {
    const result = run(process.execPath, ['scripts/setup.ts']);
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /everything already installed/);
    assert.doesNotMatch(result.stdout, /installing|building/);
  });

  it('installed the Debian tools at the tested releases', () => {
    const prometheus = run(DEBIAN_TOOLS.prometheus, ['--version']);
    assert.match(prometheus.stdout + prometheus.stderr, /version 2\.42\.0/);
    const alertmanager = run(DEBIAN_TOOLS.alertmanager, ['--version']);
    assert.match(alertmanager.stdout + alertmanager.stderr, /version 0\.25\.0/);
    const promtool = run(DEBIAN_TOOLS.promtool, ['--version']);
    assert.equal(promtool.status, 0);
    const chromium = run(DEBIAN_TOOLS.chromium, ['--version']);
    assert.match(chromium.stdout, /^Chromium \d+/);
  });

  it('built Jaeger and the collector into .tools/bin at the pinned versions', () => {
    // Jaeger built from modules carries no version string of its own: read the module versions Go embedded.
    const jaeger = run(goBinary(), ['version', '-m', GO_TOOLS.jaeger]);
    assert.equal(jaeger.status, 0, jaeger.stderr);
    assert.match(jaeger.stdout, /^\s+mod\s+github\.com\/jaegertracing\/jaeger\s+v1\.76\.0\s/m);
    const collector = run(GO_TOOLS.otelcol, ['--version']);
    assert.match(collector.stdout, /otelcol version 0\.165\.0/);
  });

  it('left PostgreSQL running with the mesh role able to create and drop its own databases', () => {
    const database = `setup_test_${randomBytes(4).toString('hex')}`;
    const env = { ...process.env, PGPASSWORD: POSTGRES.password, PGCONNECT_TIMEOUT: '5' };
    const psql = (sql: string) =>
      run(
        'psql',
        [
          '-h',
          POSTGRES.host,
          '-p',
          String(POSTGRES.port),
          '-U',
          POSTGRES.role,
          '-d',
          'postgres',
          '-v',
          'ON_ERROR_STOP=1',
          '-tAc',
          sql,
        ],
        env,
      );
    const created = psql(`CREATE DATABASE ${database}`);
    assert.equal(created.status, 0, created.stderr);
    const dropped = psql(`DROP DATABASE ${database}`);
    assert.equal(dropped.status, 0, dropped.stderr);
  });
});
