/** @module The instrumentation scope of every span this kit creates, taken from the kit's package manifest. */
import { type Tracer, trace } from '@opentelemetry/api';
import packageJson from '../../package.json' with { type: 'json' };

export const INSTRUMENTATION_SCOPE: { readonly name: string; readonly version: string } = {
  name: packageJson.name,
  version: packageJson.version,
};

/** The kit's tracer. The API returns a proxy, so this is safe to call before the SDK starts. */
export const kitTracer = (): Tracer => trace.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
