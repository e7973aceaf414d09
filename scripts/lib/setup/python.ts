/**
 * @module Python tools from PyPI: Schemathesis (the contract test of the services' OpenAPI documents), pinned with
 * everything it imports in `tools/schemathesis/requirements.txt` and installed into the git-ignored virtual
 * environment `.tools/venv`. A stamp of the requirements' hash and the interpreter's version skips the install until
 * either changes, so a run with nothing to do costs one `python3 --version`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TOOLS_DIR } from '@mesh-stack/tools';
import { log, run, runVisible, tryRun } from '../run.ts';
import { readStamp, sha256, writeStamp } from './go-tools.ts';

export const VENV_DIR = join(TOOLS_DIR, 'venv');
export const REQUIREMENTS_FILE = join(REPO_ROOT, 'tools', 'schemathesis', 'requirements.txt');
/** The Schemathesis command line, once setup has run. */
export const SCHEMATHESIS_BIN = join(VENV_DIR, 'bin', 'schemathesis');

const STAMP = 'python-venv';
/** Schemathesis 4 supports Python 3.9 and later; 3.10 is the oldest still maintained. */
const MIN_PYTHON = [3, 10] as const;

/** The first `python3` on PATH (pyenv's shim or Debian's), with its version. */
const findPython = (): { command: string; version: string } => {
  const probe = tryRun('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  if (probe.status !== 0) {
    throw new Error('python3 is not installed (needed for Schemathesis): install Python 3.10 or later');
  }
  const version = probe.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(`python3 is ${version}; Schemathesis needs ${MIN_PYTHON.join('.')} or later`);
  }
  return { command: 'python3', version };
};

/** Installs the pinned Python tools into `.tools/venv` unless the stamp says they are there; true when it installed. */
export const ensurePythonTools = (): boolean => {
  const python = findPython();
  const wanted = sha256(readFileSync(REQUIREMENTS_FILE), python.version);
  if (readStamp(STAMP) === wanted && existsSync(SCHEMATHESIS_BIN)) return false;

  log(`installing Schemathesis and its pinned dependencies from PyPI into .tools/venv (Python ${python.version})`);
  // A fresh environment each time the pins change: nothing left over from older pins.
  rmSync(VENV_DIR, { recursive: true, force: true });
  run(python.command, ['-m', 'venv', VENV_DIR]);
  const pip = join(VENV_DIR, 'bin', 'pip');
  runVisible(pip, ['install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', REQUIREMENTS_FILE]);
  // --no-deps installs exactly the pins; `pip check` proves they are a complete, consistent set.
  run(pip, ['check']);
  run(SCHEMATHESIS_BIN, ['--version']);
  writeStamp(STAMP, wanted);
  return true;
};
