/**
 * @module One place for the version of every third-party component the stack runs, in every environment:
 * the container images of compose.yaml and of the Kubernetes manifests (one tag for both), the Go modules
 * `npm run setup` builds for the local stack, and the Debian packages it installs. versions.test.ts fails when
 * compose.yaml, a manifest under k8s/, a tools/<name>/go.mod or the collector's builder manifest disagrees;
 * versions.integration.test.ts checks the installed Debian packages.
 *
 * To upgrade a component: change it here, then in the files the test names, and run the tests.
 * Debian's packages cannot follow (bookworm ships Prometheus 2.42 and PostgreSQL 15): the rules are tested with
 * both Prometheus 2.42 and the image's 3.x, and the services' SQL with PostgreSQL 15 locally and the image's 17.
 */

export interface ImageVersion {
  /** Repository as written without a registry host (`prom/prometheus`, `postgres`). */
  readonly image: string;
  /** The one tag compose.yaml and every Kubernetes manifest use. */
  readonly tag: string;
}

export interface GoModuleVersion {
  /** go.mod (or the collector's builder manifest) that pins it, relative to the repository root. */
  readonly file: string;
  readonly module: string;
  readonly version: string;
}

export interface ComponentVersion {
  readonly image: ImageVersion;
  /** The compose.yaml service that runs the image. */
  readonly composeService: string;
  /** Built for the local stack from the Go module proxy (the same release as the image). */
  readonly local?: readonly GoModuleVersion[];
  /** Installed for the local stack from Debian, with the upstream version it packages. */
  readonly debian?: { readonly package: string; readonly version: string };
}

export const VERSIONS = {
  prometheus: {
    image: { image: 'prom/prometheus', tag: 'v3.16.0' },
    composeService: 'prometheus',
    // Prometheus publishes its Go module as v0.<major><minor>.<patch>: v0.316.0 is Prometheus 3.16.0.
    local: [{ file: 'tools/promtool/go.mod', module: 'github.com/prometheus/prometheus', version: 'v0.316.0' }],
    debian: { package: 'prometheus', version: '2.42.0' },
  },
  alertmanager: {
    image: { image: 'prom/alertmanager', tag: 'v0.35.0' },
    composeService: 'alertmanager',
    debian: { package: 'prometheus-alertmanager', version: '0.25.0' },
  },
  grafana: {
    image: { image: 'grafana/grafana', tag: '13.2.3' },
    composeService: 'grafana',
  },
  postgres: {
    // The Debian-based variant everywhere: the same glibc collation as the local Debian server.
    image: { image: 'postgres', tag: '17.6-bookworm' },
    composeService: 'postgres',
    debian: { package: 'postgresql-15', version: '15' },
  },
  otelCollector: {
    image: { image: 'otel/opentelemetry-collector-contrib', tag: '0.165.1' },
    composeService: 'otel-collector',
    // The local build (ocb) takes the contrib components of the same release (core modules are 0.165.0).
    local: [
      {
        file: 'observability/otel-collector/builder-config.yaml',
        module: 'github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector',
        version: 'v0.165.1',
      },
      {
        file: 'observability/otel-collector/builder-config.yaml',
        module: 'github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter',
        version: 'v0.165.1',
      },
    ],
  },
  jaeger: {
    image: { image: 'jaegertracing/jaeger', tag: '2.13.0' },
    composeService: 'jaeger',
    // Jaeger tags its Go module v1.x with each v2 release: v1.76.0 is Jaeger 2.13.0.
    local: [{ file: 'tools/jaeger/go.mod', module: 'github.com/jaegertracing/jaeger', version: 'v1.76.0' }],
  },
} as const satisfies Record<string, ComponentVersion>;

/** Registry hosts that may prefix an image without changing what it is (`docker.io/library/postgres` = `postgres`). */
const DEFAULT_REGISTRY = /^(?:docker\.io\/|index\.docker\.io\/)(?:library\/)?/;

/** `docker.io/prom/prometheus:v3.16.0` → `{ image: 'prom/prometheus', tag: 'v3.16.0' }`. */
export const parseImageReference = (reference: string): ImageVersion => {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const colon = withoutDigest.lastIndexOf(':');
  const slash = withoutDigest.lastIndexOf('/');
  const hasTag = colon > slash;
  return {
    image: (hasTag ? withoutDigest.slice(0, colon) : withoutDigest).replace(DEFAULT_REGISTRY, ''),
    tag: hasTag ? withoutDigest.slice(colon + 1) : 'latest',
  };
};

/** The component an image belongs to, if it is one of {@link VERSIONS}. */
export const componentOfImage = (image: string): keyof typeof VERSIONS | undefined =>
  (Object.keys(VERSIONS) as (keyof typeof VERSIONS)[]).find((name) => VERSIONS[name].image.image === image);

/** Every `image:` reference in a YAML text (manifests, compose), with its line number. */
export const imageReferences = (yamlText: string): { readonly reference: string; readonly line: number }[] =>
  yamlText.split('\n').flatMap((text, index) => {
    const match = /^\s*(?:-\s+)?image:\s*["']?([^"'\s#]+)["']?/.exec(text);
    return match?.[1] ? [{ reference: match[1], line: index + 1 }] : [];
  });

/** The version a go.mod (`module vX` in a require or tool line) or an ocb manifest (`gomod: module vX`) pins. */
export const pinnedModuleVersion = (text: string, module: string): string | undefined => {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|\\s)${escaped}\\s+(v[0-9][^\\s]*)`, 'm').exec(text)?.[1];
};
