/**
 * @module Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists where self time went, by function and by
 * package, so the benchmark can say what telemetry costs and where. Frames in a bundle (the services' `dist/main.mjs`)
 * are mapped back to their source file through the bundle's source map, so packages stay apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly share: number;
}

/** `@opentelemetry/sdk-trace`, `hono`, `node:internal`, … from a script URL. Shares are of busy (non-idle) time. */
const packageOf = (url: string): string => {
  if (url === '') return '(native/idle)';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  const service = /\/(services\/[^/]+\/src\/[^/]+|bench\/src)/.exec(url);
  return service?.[1] ?? url;
};

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map next to a bundle (`<file>.map`), if the script is a local file that has one. */
const sourceMapOf = (url: string): SourceMap | undefined => {
  if (!url.startsWith('file:')) return undefined;
  if (!sourceMaps.has(url)) {
    const path = `${fileURLToPath(url)}.map`;
    sourceMaps.set(
      url,
      existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as SourceMapPayload) : undefined,
    );
  }
  return sourceMaps.get(url);
};

/** The frame's original file (absolute) and line (1-based), through the bundle's source map when there is one. */
const originalOf = ({ url, lineNumber, columnNumber }: CallFrame): { url: string; line: number } => {
  const map = sourceMapOf(url);
  const entry = map?.findEntry(lineNumber, columnNumber);
  if (entry === undefined || !('originalSource' in entry)) return { url, line: lineNumber + 1 };
  return { url: new URL(entry.originalSource, url).href, line: entry.originalLine + 1 };
};

export const summarizeProfile = (path: string, top = 12): { functions: SelfTime[]; packages: SelfTime[] } => {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functionTime = new Map<string, number>();
  const packageTime = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    // Idle time says how loaded the process was, not where its work went.
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const { functionName } = node.callFrame;
    const { url, line } = originalOf(node.callFrame);
    const file = url.split('/').slice(-2).join('/');
    const name = `${functionName || '(anonymous)'} ${file}:${line}`;
    functionTime.set(name, (functionTime.get(name) ?? 0) + delta);
    const pkg = packageOf(url);
    packageTime.set(pkg, (packageTime.get(pkg) ?? 0) + delta);
  });
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => ({ name, share: time / total }));
  return { functions: ranked(functionTime), packages: ranked(packageTime) };
};
