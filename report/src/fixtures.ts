/**
 * @module Reads the recorded backend responses in `report/fixtures/` (captured by `report/test/capture.ts` from a
 * real Prometheus 2.42 with the project's rules and a real Jaeger v2; see there) for the unit tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

/** The `data` of a Prometheus API envelope. */
export const prometheusData = <T>(name: string): T => fixture<{ data: T }>(name).data;
