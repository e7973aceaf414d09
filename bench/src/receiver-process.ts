/**
 * @module Child-process entry for the benchmark's OTLP receiver. Decodes every export (a real receiver's work)
 * without keeping spans; prints `{"endpoint":…}` once listening and `{"spans":N}` on SIGTERM.
 */
import { startOtlpReceiver } from '../../test/support/otlp-receiver.ts';

const receiver = await startOtlpReceiver({ retain: false });
console.log(JSON.stringify({ endpoint: receiver.endpoint }));
process.once('SIGTERM', async () => {
  console.log(JSON.stringify({ spans: receiver.spanCount }));
  await receiver.close();
  process.exit(0);
});
