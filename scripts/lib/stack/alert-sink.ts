/**
 * @module The other end of the Alertmanager webhooks in `observability/prometheus/alertmanager.yml` (placeholders
 * for a pager, a ticket system and a dead-man's switch, all on loopback): `npm start` serves them, so notifications
 * show up in the terminal instead of failing, which also proves the whole alerting path works.
 * Alertmanager's webhook payload: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { createServer, type IncomingMessage } from 'node:http';

export interface AlertNotification {
  /** The last path segment: `page`, `ticket`, `heartbeat`. */
  readonly receiver: string;
  readonly status: string;
  readonly alerts: readonly { readonly status: string; readonly labels: Readonly<Record<string, string>> }[];
}

export interface AlertSink {
  /** The base URL it serves, with the real port when it was asked for port 0. */
  readonly url: string;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('notification too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const isNotification = (value: unknown): value is Omit<AlertNotification, 'receiver'> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { status?: unknown }).status === 'string' &&
  Array.isArray((value as { alerts?: unknown }).alerts);

/**
 * Listens where `baseUrl` (e.g. `http://127.0.0.1:9097/alerts`) points and hands every notification to `onAlert`;
 * port 0 picks a free port (tests), reported in the sink's `url`.
 */
export const startAlertSink = async (
  baseUrl: string,
  onAlert: (notification: AlertNotification) => void,
): Promise<AlertSink> => {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', base).pathname;
    const receiver = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : '';
    if (request.method !== 'POST' || receiver === '' || receiver.includes('/')) {
      response.writeHead(404).end();
      return;
    }
    readBody(request)
      .then((body) => {
        const payload: unknown = JSON.parse(body);
        if (!isNotification(payload)) throw new Error('not an Alertmanager webhook payload');
        onAlert({ receiver, status: payload.status, alerts: payload.alerts });
        response.writeHead(200).end();
      })
      .catch((error: unknown) => {
        response
          .writeHead(400, { 'content-type': 'text/plain' })
          .end(error instanceof Error ? error.message : 'bad request');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(base.port), base.hostname, resolve);
  });
  const address = server.address();
  const url = new URL(base);
  if (typeof address === 'object' && address) url.port = String(address.port);
  return {
    url: url.toString().replace(/\/$/, ''),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** One line per notification: `ticket: FIRING PaymentDeclineRateHigh (2 alerts)`. */
export const describeNotification = (notification: AlertNotification): string => {
  const names = [...new Set(notification.alerts.map((alert) => alert.labels.alertname ?? '?'))].join(', ');
  const count = notification.alerts.length;
  return `${notification.receiver}: ${notification.status.toUpperCase()} ${names} (${count} alert${count === 1 ? '' : 's'})`;
};
