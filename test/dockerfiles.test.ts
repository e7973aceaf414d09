/**
 * The services' Dockerfiles, parsed with dockerfile-ast (the parser behind the Docker language server) and held
 * to the project's rules: multi-stage, pinned base images, an image that holds the production bundle alone (no
 * node_modules, no sources), a non-root user, a health check on the admin port, and a build context that holds
 * what they copy and nothing else. scripts/lib/build/bundle.integration.test.ts runs the bundles.
 */
import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { HEALTH_PATHS, LOCAL_PORTS, SERVICE_NAMES, SERVICE_NODE_OPTIONS, type ServiceName } from '@mesh-stack/stack';
import {
  type Copy,
  type Dockerfile,
  DockerfileParser,
  type Env,
  type Instruction,
  type JSONInstruction,
} from 'dockerfile-ast';
import { bundlePath } from '../scripts/lib/build/bundle.ts';
import { REPO_ROOT } from './support/compose-file.ts';

// The package's typings declare an ES default export, but it is `module.exports = factory`: load it as CommonJS.
const dockerignore = createRequire(import.meta.url)(
  '@balena/dockerignore',
) as typeof import('@balena/dockerignore').default;

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as T;
const dockerfilePath = (name: ServiceName): string => join('services', name, 'Dockerfile');
const parseDockerfile = (name: ServiceName): Dockerfile =>
  DockerfileParser.parse(readFileSync(join(REPO_ROOT, dockerfilePath(name)), 'utf8'));

/** Instructions of the last stage (the image that runs). */
const finalStage = (dockerfile: Dockerfile): Instruction[] => {
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.findLastIndex((instruction) => instruction.getKeyword() === 'FROM');
  return instructions.slice(lastFrom);
};
const args = (instruction: Instruction): string[] => instruction.getArguments().map((argument) => argument.getValue());
const keyword = (instructions: readonly Instruction[], name: string): Instruction[] =>
  instructions.filter((instruction) => instruction.getKeyword() === name);
const jsonArgs = (instruction: Instruction): string[] =>
  (instruction as JSONInstruction).getJSONStrings().map((value) => value.getJSONValue());

const workspacePackageFiles = (): string[] =>
  readJson<{ workspaces: string[] }>('package.json')
    .workspaces.flatMap((pattern) => globSync(`${pattern}/package.json`, { cwd: REPO_ROOT }))
    .sort();

describe('service Dockerfiles', () => {
  for (const name of SERVICE_NAMES) {
    describe(name, () => {
      const dockerfile = parseDockerfile(name);
      const last = finalStage(dockerfile);

      it('is a multi-stage build on a pinned official Node 24 image', () => {
        const froms = dockerfile.getFROMs();
        assert.ok(froms.length >= 2, 'multi-stage');
        const stages = new Set(froms.map((from) => from.getBuildStage()).filter((stage) => stage !== null));
        for (const from of froms) {
          if (stages.has(from.getImageName() ?? '')) continue;
          assert.equal(from.getImageName(), 'node');
          assert.match(from.getImageTag() ?? '', /^24\.\d+\.\d+-[a-z]+(-slim)?$/, `pinned tag: ${from.getImage()}`);
        }
        const nodeVersion = readJson<{ devDependencies: Record<string, string> }>('package.json').devDependencies.node;
        assert.ok(
          froms.every((from) => from.getImageTag()?.startsWith(`${nodeVersion}-`)),
          `Node ${nodeVersion}, as npm start`,
        );
      });

      it('installs from the lockfile without install scripts: this workspace and the root’s build tool', () => {
        const runs = keyword(dockerfile.getInstructions(), 'RUN').map((run) => args(run).join(' '));
        const install = runs.find((run) => run.includes('npm ci'));
        assert.ok(install, 'npm ci from the lockfile');
        assert.match(install, /--ignore-scripts/);
        assert.match(install, /--include-workspace-root/);
        const workspace = readJson<{ name: string }>(`services/${name}/package.json`).name;
        assert.match(install, new RegExp(`--workspace ${workspace.replace('/', '\\/')}( |$)`));
        assert.ok(!runs.some((run) => /npm (install|i) /.test(run)), 'never npm install: the lockfile decides');
        assert.ok(
          runs.includes(`node scripts/build.ts ${name}`),
          `the build stage bundles the service: ${runs.join(' | ')}`,
        );
      });

      it('runs the bundle alone: the final stage copies only the build stage’s dist folder', () => {
        const copies = keyword(last, 'COPY') as Copy[];
        assert.ok(copies.length > 0);
        const dist = relative(REPO_ROOT, join(bundlePath(name), '..'));
        for (const copy of copies) {
          assert.equal(copy.getFromFlag()?.getValue(), 'build', 'only from the build stage');
          assert.deepEqual(args(copy).slice(0, -1), [`/app/${dist}/`], 'the bundle folder, no node_modules');
        }
        assert.ok(!keyword(last, 'RUN').some((run) => args(run).join(' ').includes('npm')), 'no npm in the image');
      });

      it('copies every workspace manifest (npm ci checks the lockfile against all of them)', () => {
        const copied = keyword(dockerfile.getInstructions(), 'COPY')
          .filter((copy) => (copy as Copy).getFromFlag() === null)
          .flatMap((copy) => args(copy).slice(0, -1));
        for (const manifest of ['package.json', 'package-lock.json', ...workspacePackageFiles()]) {
          assert.ok(copied.includes(manifest), `COPY ${manifest}`);
        }
        for (const source of [
          `services/${name}/src`,
          'services/service-kit/src',
          'stack/src',
          'scripts/build.ts',
          'scripts/lib/build/bundle.ts',
        ]) {
          assert.ok(copied.includes(source), `COPY ${source}`);
        }
      });

      it('runs as the unprivileged node user', () => {
        const users = keyword(last, 'USER').map((user) => args(user)[0]);
        assert.ok(users.length > 0, 'the final stage sets USER');
        const user = users.at(-1) ?? '';
        assert.ok(!['root', '0', '0:0'].includes(user), `USER ${user}`);
        assert.equal(user, 'node');
      });

      it('listens on the stack map’s ports, with its heap limits, and checks liveness on the admin port', () => {
        const env = Object.fromEntries(
          keyword(last, 'ENV').flatMap((instruction) =>
            // The parser keeps a quoted value's quotes; Docker drops them.
            (instruction as Env)
              .getProperties()
              .map((property) => [property.getName(), property.getUnescapedValue()?.replace(/^"(.*)"$/, '$1')]),
          ),
        );
        assert.equal(env.PORT, String(LOCAL_PORTS[name].publicPort));
        assert.equal(env.ADMIN_PORT, String(LOCAL_PORTS[name].adminPort));
        assert.equal(env.NODE_ENV, 'production');
        assert.equal(env.NODE_OPTIONS, SERVICE_NODE_OPTIONS.join(' '), 'the heap limits of every service process');
        const exposed = keyword(last, 'EXPOSE').flatMap(args).map(Number);
        assert.deepEqual(exposed, [LOCAL_PORTS[name].publicPort, LOCAL_PORTS[name].adminPort]);
        const [healthcheck] = dockerfile.getHEALTHCHECKs();
        assert.ok(healthcheck, 'HEALTHCHECK');
        const probe = healthcheck.getArgumentsContent() ?? '';
        assert.match(probe, /process\.env\.ADMIN_PORT/);
        assert.ok(probe.includes(`'${HEALTH_PATHS.live}'`), probe);
      });

      it('starts the bundle with node as PID 1, in exec form', () => {
        const [cmd] = dockerfile.getCMDs();
        assert.ok(cmd, 'CMD');
        assert.deepEqual(jsonArgs(cmd), ['node', basename(bundlePath(name))], 'exec form (node receives SIGTERM)');
        const [workdir] = keyword(last, 'WORKDIR').map(args).at(-1) ?? [];
        assert.equal(workdir, '/app', 'the bundle is copied to /app');
      });

      it('copies only what .dockerignore lets into the build context, and that exists', () => {
        const filter = dockerignore({ ignorecase: false }).add(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
        const sources = keyword(dockerfile.getInstructions(), 'COPY')
          .filter((copy) => (copy as Copy).getFromFlag() === null)
          .flatMap((copy) => args(copy).slice(0, -1));
        for (const source of sources) {
          assert.ok(existsSync(join(REPO_ROOT, source)), `${source} exists`);
          assert.ok(!filter.ignores(source), `${source} is excluded from the build context by .dockerignore`);
        }
        // Tests, local state and installed modules stay out of the image.
        for (const excluded of [
          `services/${name}/src/app.test.ts`,
          'node_modules/hono/package.json',
          '.git/HEAD',
          '.tools/bin/otelcol',
          '.data/orders.sqlite',
        ]) {
          assert.ok(filter.ignores(excluded), `${excluded} must not reach the build context`);
        }
      });
    });
  }

  it('are one file with the service name and ports filled in (no drift between them)', () => {
    const normalised = SERVICE_NAMES.map((name) =>
      readFileSync(join(REPO_ROOT, dockerfilePath(name)), 'utf8')
        // The manifest list names every workspace in every file (checked above).
        .replace(/^COPY \S+\/package\.json .*\n/gm, '')
        .replaceAll(name, '<service>')
        .replaceAll(String(LOCAL_PORTS[name].publicPort), '<port>')
        .replaceAll(String(LOCAL_PORTS[name].adminPort), '<admin-port>'),
    );
    for (const other of normalised.slice(1)) assert.equal(other, normalised[0]);
  });
});
