/**
 * @module Debian packages the stack runs (Prometheus, Alertmanager, Chromium, PostgreSQL): installed with apt-get
 * when missing, and checked against the upstream release this project is tested with.
 *
 * Debian-revision pins (`=2.42.0+ds-5+deb12u1`) would break every time bookworm-security replaces a package, because
 * the archive drops superseded revisions. So we pin the upstream release instead: apt installs bookworm's candidate,
 * and setup fails loudly if that is not the release we expect (Chromium, which moves with security updates, is
 * reported, not pinned).
 */
import { existsSync } from 'node:fs';
import { log, runVisible, tryRun } from '../run.ts';

export interface DebianPackage {
  readonly name: string;
  /** Upstream version prefix the project is tested with (Debian 12 bookworm); `undefined` = report only. */
  readonly upstream?: string;
  readonly why: string;
}

export const DEBIAN_PACKAGES: readonly DebianPackage[] = [
  {
    name: 'prometheus',
    upstream: '2.42.0',
    why: 'metrics, recording and alert rules (npm start, e2e and promtool tests)',
  },
  { name: 'prometheus-alertmanager', upstream: '0.25.0', why: 'alert routing (npm start, e2e tests)' },
  { name: 'postgresql', upstream: '15', why: 'the services’ PostgreSQL backend in tests' },
  { name: 'chromium', why: 'browser checks of the Prometheus UI (Playwright)' },
  { name: 'fonts-liberation', why: 'readable text in Chromium screenshots' },
  { name: 'curl', why: 'the README walk-through (run by the end-to-end tests)' },
  { name: 'jq', why: 'the README walk-through (run by the end-to-end tests)' },
];

/** Debian's init scripts for these would take 9090/9093, which `npm start` owns. */
const DEBIAN_SERVICES_TO_DISABLE = ['prometheus', 'prometheus-alertmanager'] as const;

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
/** Another apt run (another engineer, unattended upgrades) may hold the dpkg lock: wait for it instead of failing. */
const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

/** Installed version of each package (absent when not installed), in one dpkg-query call. */
const installedVersions = (names: readonly string[]): Map<string, string> => {
  // dpkg-query's own ${field} syntax, not a template literal.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format string
  const result = tryRun('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Status}\t${Version}\n', ...names]);
  const versions = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (name && status === 'installed' && version) {
      versions.set(name, version);
    }
  }
  return versions;
};

/** `2.42.0+ds-5+deb12u1` → `2.42.0+ds`; `15+248+deb12u2` → `15`; strips the epoch and the Debian revision. */
export const upstreamOf = (version: string): string => version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');

export const matchesUpstream = (version: string, expected: string): boolean => {
  const upstream = upstreamOf(version);
  return upstream === expected || upstream.startsWith(`${expected}+`) || upstream.startsWith(`${expected}~`);
};

const disableDebianServices = (): void => {
  for (const service of DEBIAN_SERVICES_TO_DISABLE) {
    const initScript = `/etc/init.d/${service}`;
    if (!existsSync(initScript)) continue;
    // Without systemd the postinst may have started the daemon through its init script (unless policy-rc.d forbade it).
    tryRun(initScript, ['stop']);
    tryRun('update-rc.d', [service, 'disable']);
  }
  log(
    `disabled Debian's own ${DEBIAN_SERVICES_TO_DISABLE.join(' and ')} services: npm start runs them with the project's config`,
  );
};

export const ensureDebianPackages = (): void => {
  const names = DEBIAN_PACKAGES.map((pkg) => pkg.name);
  const before = installedVersions(names);
  const missing = DEBIAN_PACKAGES.filter((pkg) => !before.has(pkg.name));

  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `missing Debian packages: ${missing.map((pkg) => pkg.name).join(' ')}; run as root or install them with\n  sudo apt-get install --no-install-recommends ${missing.map((pkg) => pkg.name).join(' ')}`,
      );
    }
    for (const pkg of missing) log(`installing Debian package ${pkg.name}: ${pkg.why}`);
    log('apt-get update (the package lists may be stale)');
    runVisible('apt-get', [...APT_LOCK_WAIT, 'update', '-qq'], { env: APT_ENV });
    runVisible(
      'apt-get',
      [...APT_LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...missing.map((pkg) => pkg.name)],
      { env: APT_ENV },
    );
    if (missing.some((pkg) => (DEBIAN_SERVICES_TO_DISABLE as readonly string[]).includes(pkg.name))) {
      disableDebianServices();
    }
  }

  const versions = installedVersions(names);
  const problems: string[] = [];
  for (const pkg of DEBIAN_PACKAGES) {
    const version = versions.get(pkg.name);
    if (!version) {
      problems.push(`${pkg.name} is not installed`);
    } else if (pkg.upstream && !matchesUpstream(version, pkg.upstream)) {
      problems.push(`${pkg.name} ${version} is installed, but the project is tested with ${pkg.upstream} (Debian 12)`);
    } else if (missing.includes(pkg)) {
      log(`installed ${pkg.name} ${version}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
};

/** `name version` of every package, for the summary line. */
export const debianSummary = (): string => {
  const versions = installedVersions(DEBIAN_PACKAGES.map((pkg) => pkg.name));
  return DEBIAN_PACKAGES.map((pkg) => `${pkg.name} ${versions.get(pkg.name) ?? '?'}`).join(', ');
};
