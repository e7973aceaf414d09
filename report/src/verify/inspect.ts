/**
 * @module Opens a report file in Chromium (playwright-core, the Debian build) the way a reader would, offline, and
 * reports what a test asserts on: console errors, any request the page made besides its own file, how many points
 * each chart drew, and axe-core's serious or critical accessibility violations.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, DEBIAN_TOOLS } from '@mesh-stack/tools';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export interface ChartInspection {
  readonly key: string;
  readonly label: string;
  /** Points drawn (the page's `data-points`); undefined when the chart was never drawn. */
  readonly points: number | undefined;
  readonly canvases: number;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: number;
}

export interface ReportInspection {
  readonly consoleErrors: readonly string[];
  /** Requests other than the report file itself. */
  readonly requests: readonly string[];
  readonly charts: readonly ChartInspection[];
  /** Serious and critical only. */
  readonly axeViolations: readonly AxeViolation[];
  /** Every `data-trace-id` in the page. */
  readonly traceIds: readonly string[];
  /** Every `data-alert` row's alert name. */
  readonly alertNames: readonly string[];
}

export const inspectReport = async (htmlPath: string): Promise<ReportInspection> => {
  const browser = await chromium.launch({ executablePath: DEBIAN_TOOLS.chromium, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ offline: true });
    const fileUrl = pathToFileURL(htmlPath).href;
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== fileUrl) requests.push(request.url());
    });
    await page.goto(fileUrl, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts-drawn]', { timeout: 30_000 });
    const charts = (await page.$$eval('[data-chart]', (elements) =>
      elements.map((element) => ({
        key: element.getAttribute('data-chart') ?? '',
        label: element.getAttribute('data-label') ?? '',
        points: element.getAttribute('data-points') === null ? undefined : Number(element.getAttribute('data-points')),
        canvases: element.querySelectorAll('canvas').length,
      })),
    )) as ChartInspection[];
    const traceIds = await page.$$eval('[data-trace-id]', (elements) =>
      elements.map((element) => element.getAttribute('data-trace-id') ?? ''),
    );
    const alertNames = await page.$$eval('[data-alert]', (elements) =>
      elements.map((element) => element.getAttribute('data-alert') ?? ''),
    );
    // Evaluated as a string: the axe source is not a module, and page.evaluate bypasses the page's CSP.
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const axe = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.length })))`,
    )) as AxeViolation[];
    return {
      consoleErrors,
      requests,
      charts,
      axeViolations: axe.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'),
      traceIds: [...new Set(traceIds)],
      alertNames: [...new Set(alertNames)],
    };
  } finally {
    await browser.close();
  }
};
