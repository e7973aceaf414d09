/**
 * @module Child-process entry for one benchmark server: `node server-process.ts <variant> [otlpEndpoint]`.
 * Prints `{"port":N}` once listening; stops cleanly (flushing telemetry) on SIGTERM.
 */
import { LIGHT_VARIANTS, type LightVariant, startLightServer } from './light-app.ts';

const [variant, otlpEndpoint] = process.argv.slice(2);
if (!LIGHT_VARIANTS.includes(variant as LightVariant)) {
  console.error(`usage: server-process.ts <${LIGHT_VARIANTS.join('|')}> [otlpEndpoint]`);
  process.exit(2);
}
const server = await startLightServer(variant as LightVariant, otlpEndpoint);
console.log(JSON.stringify({ port: server.port }));
process.once('SIGTERM', async () => {
  await server.stop();
  process.exit(0);
});
