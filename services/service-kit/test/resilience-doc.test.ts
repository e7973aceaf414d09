/** docs/resilience.md explains the stack map's time budgets: its tables must show the numbers stack.ts holds. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CALL_EDGES, PUBLIC_REQUEST_BUDGET } from '@mesh-stack/stack';

const doc = readFileSync(new URL('../../../docs/resilience.md', import.meta.url), 'utf8');
const tableRows = doc.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'));

describe('docs/resilience.md', () => {
  it('has one row per call edge with its attempt timeout, retries, mesh timeout and mesh retries', () => {
    for (const edge of CALL_EDGES) {
      const { attemptTimeoutMs, clientRetries, meshTimeoutMs, meshRetries } = edge.budget;
      const row = `| ${edge.from} → ${edge.to} | ${edge.method} ${edge.route} | ${attemptTimeoutMs} ms | ${clientRetries} | ${meshTimeoutMs} ms | ${meshRetries} |`;
      assert.ok(tableRows.includes(row), `missing or different: ${row}`);
    }
    const edgeRows = tableRows.filter((line) => line.startsWith('| order-service →'));
    assert.equal(edgeRows.length, CALL_EDGES.length, 'a row for an edge the stack map does not have');
  });

  it("shows the public request's deadline, gateway and load driver timeouts", () => {
    for (const ms of [
      PUBLIC_REQUEST_BUDGET.deadlineMs,
      PUBLIC_REQUEST_BUDGET.gatewayTimeoutMs,
      PUBLIC_REQUEST_BUDGET.loadDriverTimeoutMs,
    ]) {
      assert.ok(
        tableRows.some((line) => line.endsWith(`| ${ms} ms |`)),
        `no row ends with ${ms} ms`,
      );
    }
  });
});
