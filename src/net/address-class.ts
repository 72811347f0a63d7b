/**
 * Which kind of network an address belongs to, as far as "whose address is this?" goes: loopback (this
 * host), private (a LAN, a VPC, carrier-grade NAT, link-local: addresses that never arrive from the
 * internet), the unspecified address (a listener bound to every interface), or public. Answers questions
 * like "the admin API sees 127.0.0.1, but the gateway listens for the internet: which address will it
 * judge?" Pure.
 */
import { compileMatcher, type Matcher } from '../cidr/matcher.js';
import { parseAddress } from '../cidr/parse.js';
import { formatAddress } from '../cidr/format.js';

export type AddressClass = 'loopback' | 'private' | 'unspecified' | 'public';

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'];

export class AddressClassifier {
  private readonly loopback: Matcher = compileMatcher(LOOPBACK);
  private readonly private: Matcher = compileMatcher(PRIVATE);

  /** The class of an address (IPv4-mapped IPv6 is judged as IPv4); throws IpgateError for text that is not one. */
  classify(address: string): AddressClass {
    const canonical = formatAddress(parseAddress(address));
    if (canonical === '0.0.0.0' || canonical === '::') return 'unspecified';
    if (this.loopback.has(canonical)) return 'loopback';
    if (this.private.has(canonical)) return 'private';
    return 'public';
  }
}
