/**
 * @module Builds a report and writes it to one HTML file: what `npm run report` and `npm run load -- --report` call.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type BuildOptions, buildReport, type ReportData } from './build.ts';
import { renderHtml } from './render/html.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** Git-ignored. */
export const REPORTS_DIR = join(REPO_ROOT, 'reports');

export const defaultReportPath = (nowMs: number): string =>
  join(REPORTS_DIR, `load-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.html`);

export interface WriteOptions extends BuildOptions {
  /** Default: reports/load-<timestamp>.html. */
  readonly out?: string;
  /** Base URL for runbook links (`runbook_url` is repository-relative); default: the clone, relative to the file. */
  readonly runbookBaseUrl?: string;
}

export interface WrittenReport {
  readonly path: string;
  readonly bytes: number;
  readonly data: ReportData;
}

export const writeReport = async (options: WriteOptions): Promise<WrittenReport> => {
  const data = await buildReport(options);
  const path = resolve(options.out ?? defaultReportPath(Date.parse(data.generatedAt)));
  const runbookBase = options.runbookBaseUrl ?? (relative(dirname(path), REPO_ROOT).split('\\').join('/') || '.');
  const html = renderHtml(data, { runbookBase });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return { path, bytes: Buffer.byteLength(html), data };
};

/** One line per missing part, for the terminal. */
export const describeAbsences = (data: ReportData): string[] => [
  ...data.notes.map((note) => `[report] note: ${note}`),
  ...data.absent.map((entry) => `[report] missing (${entry.section}): ${entry.message}`),
];
