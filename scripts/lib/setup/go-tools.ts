/**
 * @module Go-built tools: every `tools/<name>/go.mod` is its own module (so no two tools' dependency graphs ever mix)
 * whose `tool` directives name the programs to build. `go install tool` puts them in `.tools/bin`; a stamp of the
 * go.mod/go.sum hash skips the build until the pins change.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT, TOOLS_BIN, TOOLS_DIR } from '@mesh-stack/tools';
import { log, runVisible } from '../run.ts';

export const TOOL_MODULES_DIR = join(REPO_ROOT, 'tools');
const STAMPS_DIR = join(TOOLS_DIR, 'stamps');

/** Finds the Go toolchain: on PATH, or where the official tarball installs it. */
export const goBinary = (): string => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go is not installed (needed to build Jaeger and the collector): install Go 1.26 from go.dev/dl');
};

/** Environment for every go command: the machine's proxy settings as they are, module mode, and our GOBIN. */
export const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  // Added to, not replacing, flags the machine sets (e.g. -buildvcs=false).
  GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' '),
  GOBIN: TOOLS_BIN,
});

/** Program names a go.mod's `tool` directives produce: the last path element, or the one before a `/vN` suffix. */
export const toolBinaries = (goMod: string): string[] => {
  const paths: string[] = [];
  const block = /^tool\s*\(([^)]*)\)/gm;
  for (const match of goMod.matchAll(block)) {
    paths.push(
      ...(match[1] ?? '')
        .split('\n')
        .map((line) => line.replace(/\/\/.*/, '').trim())
        .filter(Boolean),
    );
  }
  for (const match of goMod.matchAll(/^tool\s+([^\s(]+)/gm)) {
    if (match[1]) paths.push(match[1]);
  }
  return paths.map((path) => {
    const parts = path.split('/');
    const last = parts.at(-1) ?? path;
    return /^v\d+$/.test(last) ? (parts.at(-2) ?? last) : last;
  });
};

export const sha256 = (...contents: readonly (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const content of contents) hash.update(content);
  return hash.digest('hex');
};

export const readStamp = (name: string): string => {
  const file = join(STAMPS_DIR, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
};

export const writeStamp = (name: string, value: string): void => {
  mkdirSync(STAMPS_DIR, { recursive: true });
  writeFileSync(join(STAMPS_DIR, name), `${value}\n`);
};

const moduleHash = (dir: string): string => {
  const goSum = join(dir, 'go.sum');
  return sha256(readFileSync(join(dir, 'go.mod')), existsSync(goSum) ? readFileSync(goSum) : '');
};

/** Directories under tools/ that hold a go.mod, sorted for a stable order. */
export const toolModules = (): string[] =>
  existsSync(TOOL_MODULES_DIR)
    ? readdirSync(TOOL_MODULES_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(TOOL_MODULES_DIR, entry.name, 'go.mod')))
        .map((entry) => join(TOOL_MODULES_DIR, entry.name))
        .sort()
    : [];

/** Builds every tool module whose binaries are missing or whose pins changed; returns the names it built. */
export const ensureGoTools = (): string[] => {
  const built: string[] = [];
  for (const dir of toolModules()) {
    const name = basename(dir);
    const binaries = toolBinaries(readFileSync(join(dir, 'go.mod'), 'utf8'));
    if (binaries.length === 0) {
      throw new Error(
        `tools/${name}/go.mod has no \`tool\` directive: add one with \`go get -tool <package>@<version>\``,
      );
    }
    const present = binaries.every((binary) => existsSync(join(TOOLS_BIN, binary)));
    const stampName = `go-tool-${name}`;
    if (present && readStamp(stampName) === moduleHash(dir)) continue;

    log(
      `building Go tool module tools/${name} (${binaries.join(', ')}) into .tools/bin: ${present ? 'its pins changed' : 'not built yet'}; this can take minutes once`,
    );
    mkdirSync(TOOLS_BIN, { recursive: true });
    runVisible(goBinary(), ['install', 'tool'], { cwd: dir, env: goEnv() });
    // Hash after the build: `-mod=mod` may have completed go.sum, and the stamp must match what is now on disk.
    writeStamp(stampName, moduleHash(dir));
    built.push(name);
  }
  return built;
};
