/**
 * `host:port` and `[v6]:port` endpoint syntax for listeners, the admin server and the upstream.
 */
import { isIP } from 'node:net';
import { IpgateError } from '../errors.js';

export interface Endpoint {
  /** Host without brackets: an IP literal (listeners, admin) or a DNS name (upstream). */
  readonly host: string;
  readonly port: number;
  /** The endpoint as written in canonical form (`[::]:6443`). */
  readonly text: string;
}

export interface EndpointOptions {
  /** Whether a DNS name is accepted as the host (the upstream); listeners need an IP literal. */
  readonly allowHostname?: boolean;
  /** Whether port 0 (an ephemeral port) is accepted. */
  readonly allowPortZero?: boolean;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function bad(text: string, why: string, suggestion?: string): never {
  throw new IpgateError('ERR_ENDPOINT', `Cannot parse "${text}" as host:port: ${why}`, {
    input: text,
    ...(suggestion === undefined ? {} : { suggestion }),
  });
}

export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses `host:port` or `[v6]:port`. */
export function parseEndpoint(text: string, options: EndpointOptions = {}): Endpoint {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') bad(text, 'an IPv6 address must be written [address]:port', undefined);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) bad(text, `"${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) bad(text, 'the port is missing');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) bad(text, 'an IPv6 address must be in brackets', `[${host}]:${portText}`);
    if (isIP(host) === 0) {
      if (!options.allowHostname) bad(text, `"${host}" is not an IP address (listen addresses must be IP literals, e.g. 0.0.0.0 or [::])`);
      if (!HOSTNAME.test(host)) bad(text, `"${host}" is not a valid host name`);
    }
  }
  if (!/^\d{1,5}$/.test(portText)) bad(text, `"${portText}" is not a port number`);
  const port = Number(portText);
  if (port > 65535 || (port === 0 && !options.allowPortZero)) bad(text, `port ${port} is out of range (1-65535)`);
  return { host, port, text: formatEndpoint(host, port) };
}
