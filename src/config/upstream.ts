/** The upstream of a config whose data plane proxies (Node listeners, HAProxy): required there. */
import type { Endpoint } from './address.js';
import type { GatewayConfig } from './types.js';
import { IpgateError } from '../errors.js';

export function requireUpstream(config: Pick<GatewayConfig, 'upstream' | 'source'>): Endpoint {
  if (config.upstream !== undefined) return config.upstream;
  throw new IpgateError('ERR_CONFIG_MISSING_KEY', `${config.source}: "upstream" is missing; a proxying data plane passes allowed connections to it`, {
    input: config.source,
    suggestion: 'add upstream: HOST:PORT (only dataplane type nftables works without one)',
  });
}
