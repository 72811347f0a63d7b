/**
 * `GET /v1/whoami` beyond the verdict: which address the admin API saw and how (directly, or carried by a
 * balancer's PROXY header), and warnings when that is not the address the gateway will judge: a loopback or
 * private address while enforced listeners face the internet (the recommended loopback admin address always
 * sees 127.0.0.1), or the address of a balancer the gateway's listeners trust for PROXY headers. Pure.
 */
import type { ErrorCode } from '../errors/catalogue.js';
import type { AddressClassifier } from '../net/address-class.js';
import { compileMatcher } from '../cidr/matcher.js';

/** A gateway listener as whoami judges it. */
export interface ListenerView {
  readonly name: string;
  /** The host it is bound to (`0.0.0.0`, `::`, an address). */
  readonly host: string;
  readonly enforce: boolean;
  /** Balancers whose PROXY headers it believes. */
  readonly trustedFrom?: readonly string[] | undefined;
}

/** How the admin API saw the caller. */
export interface SeenVia {
  readonly listener: 'admin';
  /** The TCP peer (the balancer, when a PROXY header carried the address). */
  readonly peer: string;
  readonly proxyProtocol: boolean;
}

export interface Warning {
  readonly code: ErrorCode;
  readonly message: string;
}

function hostClass(classifier: AddressClassifier, host: string): string {
  try {
    return classifier.classify(host);
  } catch {
    return 'public';
  }
}

/** Why `address` (as the admin API saw it) may not be the address the gateway judges; empty when it is. */
export function addressWarnings(address: string, listeners: readonly ListenerView[], classifier: AddressClassifier): Warning[] {
  const warnings: Warning[] = [];
  let kind: string;
  try {
    kind = classifier.classify(address);
  } catch {
    return warnings;
  }
  const facing = listeners.filter((l) => l.enforce && ['public', 'unspecified'].includes(hostClass(classifier, l.host)));
  if ((kind === 'loopback' || kind === 'private') && facing.length > 0) {
    const names = facing.map((l) => `${l.name} (${l.host})`).join(', ');
    warnings.push({
      code: 'WARN_ADMIN_ADDRESS_LOCAL',
      message: `the admin API sees ${address}, a ${kind} address, but the enforced listener(s) ${names} face the internet: the gateway judges the address your connections arrive from there, not this one (reach the admin API the way you reach the gateway, e.g. admin.proxyProtocol behind the same balancer, or look for your address in 'ipgate refusals')`,
    });
  }
  const balancerOf = listeners.filter((l) => l.enforce && l.trustedFrom !== undefined && compileMatcher(l.trustedFrom).has(address));
  if (balancerOf.length > 0) {
    warnings.push({
      code: 'WARN_ADMIN_ADDRESS_BALANCER',
      message: `the admin API sees ${address}, a balancer the listener(s) ${balancerOf.map((l) => l.name).join(', ')} trust for PROXY headers: the gateway judges the address such a header carries, not this one (give admin.proxyProtocol the same trustedFrom)`,
    });
  }
  return warnings;
}
