/** @module Resource ids: UUIDv7 (time-ordered, so they sort by creation and index well). */
import { uuidv7 } from 'uuidv7';
import { PROBLEM, ProblemError } from './problem.ts';

/** A new UUIDv7; monotonic within the process, so ids created in the same millisecond still sort. */
export const newId = (): string => uuidv7();

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

/**
 * The id in a path position, lower-cased. Anything that is not a UUID cannot name a resource: 404, like an unknown
 * id, so probing with `../../etc/passwd` or SQL learns nothing.
 */
export const idFromPath = (value: string): string => {
  if (!isUuid(value)) {
    throw new ProblemError(PROBLEM.notFound, { detail: 'No resource has this id.' });
  }
  return value.toLowerCase();
};
