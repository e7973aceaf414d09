/**
 * @module Child-process entry for the benchmark's OTLP receiver: accepts every export and answers as OTLP/HTTP
 * requires, without decoding (on a 2-core machine it shares a core with the load generator, and decoding would
 * slow the load generator down in the telemetry variants only). Prints `{"endpoint":…}` once listening and
 * `{"exports":N}` on SIGTERM.
 */
import { startOtlpReceiver } from '../../test/support/otlp-receiver.ts';

const receiver = await startOtlpReceiver({ decode: false, retain: false });
console.log(JSON.stringify({ endpoint: receiver.endpoint }));
process.once('SIGTERM', async () => {
  console.log(JSON.stringify({ exports: receiver.exportRequests }));
  await receiver.close();
  process.exit(0);
});
