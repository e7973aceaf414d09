/**
 * @module Static checks as part of `npm test`: the whole tree type-checks (`tsc --noEmit`, strict) and passes Biome's
 * lint and format rules, so style drift fails CI like any other regression.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '@mesh-stack/tools';

const bin = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

const run = (command: string, args: readonly string[]) => {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

test('the TypeScript sources type-check under strict settings', () => {
  const { status, output } = run(bin('tsc'), ['--noEmit', '-p', '.']);
  assert.equal(status, 0, output);
});

test('Biome finds no lint or format problems', () => {
  const { status, output } = run(bin('biome'), ['check', '--error-on-warnings', '.']);
  assert.equal(status, 0, output);
});
