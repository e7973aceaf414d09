/**
 * @module `npm run build [service…]`: the services' production bundles (`services/<name>/dist/main.mjs`), all three
 * unless named. The images build with this; see scripts/lib/build/bundle.ts.
 */
import { SERVICE_NAMES, type ServiceName } from '@mesh-stack/stack';
import { bundleService } from './lib/build/bundle.ts';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown service(s): ${unknown.join(', ')}; expected any of ${SERVICE_NAMES.join(', ')}`);
  process.exit(2);
}
for (const service of requested.length > 0 ? (requested as ServiceName[]) : SERVICE_NAMES) {
  console.log(`built ${await bundleService(service)}`);
}
