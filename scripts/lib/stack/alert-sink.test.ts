import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AlertNotification, describeNotification, startAlertSink } from './alert-sink.ts';
import { isPortFree } from './port-check.ts';

describe('alert sink', () => {
  it('receives Alertmanager webhook notifications per receiver and rejects anything else', async () => {
    const received: AlertNotification[] = [];
    // Port 0: the sink reports the port it got in its URL, which is what Alertmanager's config would name.
    const sink = await startAlertSink('http://127.0.0.1:0/alerts', (notification) => received.push(notification));
    const { origin, port } = new URL(sink.url);
    assert.match(sink.url, /^http:\/\/127\.0\.0\.1:\d+\/alerts$/);
    assert.notEqual(port, '0');
    try {
      const post = (path: string, body: string) =>
        fetch(`${origin}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const payload = {
        version: '4',
        status: 'firing',
        receiver: 'ticket',
        alerts: [{ status: 'firing', labels: { alertname: 'PaymentDeclineRateHigh', severity: 'warning' } }],
      };
      assert.equal((await post('/alerts/ticket', JSON.stringify(payload))).status, 200);
      assert.equal((await post('/alerts/ticket', '{not json')).status, 400);
      assert.equal((await post('/alerts/ticket', '{"status":"firing"}')).status, 400);
      assert.equal((await post('/elsewhere/ticket', JSON.stringify(payload))).status, 404);
      assert.equal((await fetch(`${origin}/alerts/ticket`)).status, 404);
      assert.equal(received.length, 1);
      assert.equal(
        describeNotification(received[0] as AlertNotification),
        'ticket: FIRING PaymentDeclineRateHigh (1 alert)',
      );
    } finally {
      await sink.stop();
    }
    assert.ok(await isPortFree(Number(port)));
  });
});
