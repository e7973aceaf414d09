/**
 * @module A webhook receiver for Alertmanager's notifications (its webhook payload, version 4), listening on an
 * ephemeral loopback port, so the suite sees which receiver each alert was routed to and that it was delivered.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookNotification {
  /** The receiver's name in the Alertmanager configuration (`page`, `ticket`, ...). */
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly { status: string; labels: Readonly<Record<string, string>> }[];
}

export interface WebhookReceiver {
  readonly url: string;
  readonly notifications: readonly WebhookNotification[];
  close(): Promise<void>;
}

export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  const notifications: WebhookNotification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification);
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
