/**
 * @module Every environment runs the versions of observability/versions.ts: each image in compose.yaml and in every
 * Kubernetes manifest, and each Go module the local stack builds. A tag or pin that disagrees fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { componentOfImage, imageReferences, parseImageReference, pinnedModuleVersion, VERSIONS } from './versions.ts';

const REPO_ROOT = join(import.meta.dirname, '..');
const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

const yamlFilesUnder = (dir: string): string[] =>
  readdirSync(join(REPO_ROOT, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });

interface ComposeFile {
  services: Record<string, { image?: string }>;
}

describe('component versions', () => {
  it('compose.yaml runs every component at the tag of the versions file', () => {
    const compose = parse(read('compose.yaml')) as ComposeFile;
    for (const [name, component] of Object.entries(VERSIONS)) {
      const service = compose.services[component.composeService];
      assert.ok(service?.image, `compose.yaml has no image for ${component.composeService} (${name})`);
      assert.deepEqual(parseImageReference(service.image), component.image, `compose.yaml ${component.composeService}`);
    }
  });

  it('every Kubernetes manifest uses the tag of the versions file for every component image', () => {
    const seen = new Set<string>();
    for (const file of yamlFilesUnder('k8s')) {
      for (const { reference, line } of imageReferences(read(file))) {
        const image = parseImageReference(reference);
        const component = componentOfImage(image.image);
        if (component === undefined) continue;
        seen.add(component);
        assert.equal(
          image.tag,
          VERSIONS[component].image.tag,
          `${relative(REPO_ROOT, join(REPO_ROOT, file))}:${line} ${reference}`,
        );
      }
    }
    // Kubernetes runs every component too, so a manifest that lost its image is caught as well.
    assert.deepEqual([...seen].sort(), Object.keys(VERSIONS).sort());
  });

  it('the local stack builds the same releases from the Go module proxy', () => {
    for (const [name, component] of Object.entries(VERSIONS)) {
      for (const pin of 'local' in component ? component.local : []) {
        assert.equal(
          pinnedModuleVersion(read(pin.file), pin.module),
          pin.version,
          `${name}: ${pin.module} in ${pin.file}`,
        );
      }
    }
  });
});

describe('reading versions', () => {
  it('normalises registry prefixes and tags, and finds image lines and module pins', () => {
    assert.deepEqual(parseImageReference('docker.io/library/postgres:17.6-bookworm'), {
      image: 'postgres',
      tag: '17.6-bookworm',
    });
    assert.deepEqual(parseImageReference('ghcr.io/mesh-stack/order-service:0.1.0'), {
      image: 'ghcr.io/mesh-stack/order-service',
      tag: '0.1.0',
    });
    assert.deepEqual(parseImageReference('localhost:5000/prom/prometheus'), {
      image: 'localhost:5000/prom/prometheus',
      tag: 'latest',
    });
    assert.deepEqual(imageReferences('spec:\n  - image: "prom/alertmanager:v0.35.0"\n    image: x:1 # pinned'), [
      { reference: 'prom/alertmanager:v0.35.0', line: 2 },
      { reference: 'x:1', line: 3 },
    ]);
    assert.equal(pinnedModuleVersion('require (\n\tgithub.com/a/b v1.2.3 // indirect\n)', 'github.com/a/b'), 'v1.2.3');
    assert.equal(pinnedModuleVersion('  - gomod: github.com/a/b/c v0.1.0', 'github.com/a/b'), undefined);
  });
});
