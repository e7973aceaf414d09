/**
 * @module The driver only sends load to this machine unless told otherwise: a load run aimed at a shared or production
 * host by a typo is an incident. Hostnames other than `localhost` are refused because resolving them proves nothing.
 */
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export const isLoopbackUrl = (url: string): boolean => {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
};

/** Throws unless every URL is on loopback or `allowRemote` is set. */
export const assertLoopback = (urls: readonly string[], allowRemote: boolean): void => {
  if (allowRemote) return;
  const remote = urls.filter((url) => !isLoopbackUrl(url));
  if (remote.length > 0) {
    throw new Error(
      `refusing to send load to ${remote.join(', ')}: only loopback addresses (127.0.0.0/8, ::1, localhost) ` +
        'are allowed unless remote targets are explicitly allowed (--allow-remote / allowRemote: true)',
    );
  }
};
