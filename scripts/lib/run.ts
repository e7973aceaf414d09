/**
 * @module Small synchronous process helpers for the setup script: run a command, capture its output, and fail with
 * the command's own error text instead of a bare exit code.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and returns its output; never throws for a non-zero exit. */
export const tryRun = (command: string, args: readonly string[], options: SpawnSyncOptions = {}): RunResult => {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) {
    return { status: 127, stdout: '', stderr: result.error.message };
  }
  return {
    status: result.status ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
};

/** Runs a command with its output captured; throws with the tail of stderr when it fails. */
export const run = (command: string, args: readonly string[], options: SpawnSyncOptions = {}): string => {
  const result = tryRun(command, args, options);
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n');
    throw new Error(`\`${[command, ...args].join(' ')}\` exited with ${result.status}\n${detail}`);
  }
  return result.stdout;
};

/** Runs a command with its output streamed to the terminal (long installs and builds the user should see). */
export const runVisible = (command: string, args: readonly string[], options: SpawnSyncOptions = {}): void => {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) {
    throw new Error(`\`${command}\` could not be started: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` exited with ${result.status ?? result.signal}`);
  }
};

export const log = (message: string): void => {
  console.log(`[setup] ${message}`);
};
