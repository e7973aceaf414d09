/**
 * @module `@mesh-stack/report`: one self-contained HTML file per load-test window. The CLI is `cli.ts`; the load
 * driver (`npm run load -- --report`) uses these; the live end-to-end suite's check is `@mesh-stack/report/verify`
 * (it loads Chromium, so it stays out of this entry point).
 */
export {
  type Absence,
  type BuildOptions,
  buildReport,
  DEFAULT_JAEGER_URL,
  DEFAULT_PROMETHEUS_URL,
  type ReportData,
} from './build.ts';
export { renderHtml } from './render/html.ts';
export { type ClientSection, driverSection, k6Section, type TimedProgress } from './verdicts/client.ts';
export { resolveWindow, type TimeWindow } from './window.ts';
export { describeAbsences, type WrittenReport, writeReport } from './write.ts';
