/** k8s/deploy.sh: argument handling, and `--print` renders exactly what the tests validate. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GO_TOOLS } from '@mesh-stack/tools';
import { K8S_DIR, kustomizeBuild } from '../lib/build.ts';

const deploy = (...args: string[]) =>
  spawnSync('bash', [join(K8S_DIR, 'deploy.sh'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, KUSTOMIZE: GO_TOOLS.kustomize },
    maxBuffer: 64 * 1024 * 1024,
  });

describe('k8s/deploy.sh', () => {
  it('refuses an unknown overlay or mode with a usage line and exit code 2', () => {
    for (const args of [[], ['consul'], ['istio', '--dry']]) {
      const result = deploy(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /usage: .*deploy\.sh \{base\|istio\|istio-fault-injection\|linkerd\} \[--print\]/);
    }
  });

  for (const overlay of ['istio', 'linkerd']) {
    it(`--print renders k8s/${overlay} exactly as the validated build`, () => {
      const result = deploy(overlay, '--print');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, kustomizeBuild(overlay));
    });
  }
});
