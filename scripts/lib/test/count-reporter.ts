/**
 * @module A Node test-runner reporter that writes one JSON object of counts (`passed`, `failed`, `skipped`, `todo`)
 * when the run ends, so `scripts/test.ts` can add the tiers up into one closing line. Suites are not counted, as in
 * the runner's own summary; a file that fails to load counts as a failed test.
 */
import type { TestEvent } from 'node:test/reporters';

export default async function* countReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { details, skip, todo } = event.data;
    if (details.type === 'suite') continue;
    if (skip !== undefined && skip !== false) counts.skipped++;
    else if (todo !== undefined && todo !== false) counts.todo++;
    else if (event.type === 'test:pass') counts.passed++;
    else counts.failed++;
  }
  yield `${JSON.stringify(counts)}\n`;
}
