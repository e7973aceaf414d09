import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AlertNotification, describeNotification, startAlertSink } from './alert-sink.ts';
import { isPortFree } from './port-check.ts';

describe('alert sink', () => {
  it('receives Alertmanager webhook notifications per receiver and rejects anything else', async () => {
    const received: AlertNotification[] = [];
    // Port 0 would not do: the sink serves a fixed URL from the Alertmanager config, so find a free one first.
    let port = 0;
    for (port = 23_100; !(await isPortFree(port)); port++);
    const sink = await startAlertSink(`http://127.0.0.1:${port}/alerts`, (notification) => received.push(notification));
    try {
      const post = (path: string, body: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
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
      assert.equal((await fetch(`http://127.0.0.1:${port}/alerts/ticket`)).status, 404);
      assert.equal(received.length, 1);
      assert.equal(
        describeNotification(received[0] as AlertNotification),
        'ticket: FIRING PaymentDeclineRateHigh (1 alert)',
      );
    } finally {
      await sink.stop();
    }
    assert.ok(await isPortFree(port));
  });
});
