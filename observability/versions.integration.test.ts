/**
 * @module The Debian packages `npm run setup` installs for the local stack are the versions observability/versions.ts
 * records (read from dpkg's status file: Debian's releases are fixed, so a drift means another distribution).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VERSIONS } from './versions.ts';

const DPKG_STATUS = '/var/lib/dpkg/status';

/** Package → version of every installed package in dpkg's status file. */
const installedPackages = (status: string): Map<string, string> =>
  new Map(
    status.split('\n\n').flatMap((stanza) => {
      const name = /^Package: (.+)$/m.exec(stanza)?.[1];
      const version = /^Version: (.+)$/m.exec(stanza)?.[1];
      const installed = /^Status: .* installed$/m.test(stanza);
      return name && version && installed ? [[name, version] as const] : [];
    }),
  );

/** Debian's `2.42.0+ds-5+deb12u1` (or `1:2.42.0-1`) is upstream 2.42.0. */
const upstreamVersion = (debianVersion: string): string => debianVersion.replace(/^\d+:/, '').replace(/[+~-].*$/, '');

describe('local Debian packages', () => {
  it('are the upstream versions the versions file records', () => {
    const installed = installedPackages(readFileSync(DPKG_STATUS, 'utf8'));
    for (const [name, component] of Object.entries(VERSIONS)) {
      if (!('debian' in component)) continue;
      const version = installed.get(component.debian.package);
      assert.ok(version, `${component.debian.package} (${name}) is not installed: run npm run setup`);
      const upstream = upstreamVersion(version);
      assert.ok(
        upstream === component.debian.version || upstream.startsWith(`${component.debian.version}.`),
        `${component.debian.package}: installed ${version}, the versions file says ${component.debian.version}`,
      );
    }
  });
});
