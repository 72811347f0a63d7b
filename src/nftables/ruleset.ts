/**
 * The table ipgate owns, `table inet ipgate`, as nft JSON commands (pure). Per family three interval sets:
 * `allow_v4` (the list as last written in full), `added_v4` (allowed since then) and `removed_v4` (no longer
 * allowed since then), so a small change rewrites only the two small sets and the big one stays untouched.
 * A source is allowed when it is in `added`, or in `allow` and not in `removed`.
 *
 * Chains: one base chain per hook (`input`, and `forward` where the API server is reached through DNAT or a
 * bridge) sending packets for each enforced listener's address and port to that listener's chain, which
 * looks the source up and goes to `allow_N` (counts new connections, accepts) or `refuse_N` (counts, may
 * log to an NFLOG group at a limited rate, then resets or drops). Every packet is judged, not only the
 * first, so a source removed from the sets is cut at its next packet.
 */
import type { Endpoint } from '../config/address.js';
import type { Family } from '../cidr/types.js';
import { elementsOf, intervalCount, type FamilySets, type SetIntervals } from './elements.js';

export const TABLE = 'ipgate';
export const FAMILY = 'inet';
/** Before the usual filter chains (priority 0), so a refused source is refused whatever they do. */
export const PRIORITY = -10;

export type SetRole = 'allow' | 'added' | 'removed';
export const SET_ROLES: readonly SetRole[] = ['allow', 'added', 'removed'];

export function setName(role: SetRole, family: Family): string {
  return `${role}_v${family}`;
}

export type Hook = 'input' | 'forward';

export interface NftListener {
  /** Position among the configured listeners (names chains and counters: nft names are not free text). */
  readonly index: number;
  readonly name: string;
  readonly address: Endpoint;
}

export interface RulesetOptions {
  /** Enforced listeners only: `enforce: false` listeners get no rule. */
  readonly listeners: readonly NftListener[];
  readonly hooks: readonly Hook[];
  readonly refuse: 'reset' | 'drop';
  readonly log?: { readonly group: number; readonly perSecond: number } | undefined;
}

export interface SetContents {
  readonly allow: FamilySets;
  readonly added: FamilySets;
  readonly removed: FamilySets;
}

export type NftCommand = Readonly<Record<string, unknown>>;

export function counterName(decision: 'allowed' | 'refused', index: number): string {
  return `${decision}_${index}`;
}

const table = { family: FAMILY, name: TABLE };
const at = { family: FAMILY, table: TABLE };

function payload(protocol: string, field: string): Record<string, unknown> {
  return { payload: { protocol, field } };
}

function match(left: unknown, right: unknown): Record<string, unknown> {
  return { match: { op: '==', left, right } };
}

/** `tcp flags & (syn | ack) == syn`: the first packet of a connection, counted once per connection. */
const FIRST_PACKET = match({ '&': [payload('tcp', 'flags'), ['syn', 'ack']] }, 'syn');

function rule(chain: string, expr: unknown[], comment?: string): NftCommand {
  return { add: { rule: { ...at, chain, expr, ...(comment === undefined ? {} : { comment }) } } };
}

function setCommand(role: SetRole, family: Family, intervals: SetIntervals): NftCommand {
  const set: Record<string, unknown> = { ...at, name: setName(role, family), type: family === 4 ? 'ipv4_addr' : 'ipv6_addr', flags: ['interval'] };
  if (intervalCount(intervals) > 0) set['elem'] = elementsOf(family, intervals);
  return { add: { set } };
}

/** The packets of one listener: its port, and its address unless it is a wildcard. */
function destination(address: Endpoint): unknown[] {
  const port = match(payload('tcp', 'dport'), address.port);
  if (address.host === '::') return [port];
  if (address.host === '0.0.0.0') return [match({ meta: { key: 'nfproto' } }, 'ipv4'), port];
  const v6 = address.host.includes(':');
  return [match(payload(v6 ? 'ip6' : 'ip', 'daddr'), address.host), port];
}

function listenerRules(l: NftListener, options: RulesetOptions): NftCommand[] {
  const chain = `listener_${l.index}`;
  const allow = `allow_${l.index}`;
  const refuse = `refuse_${l.index}`;
  const out: NftCommand[] = [
    { add: { chain: { ...at, name: chain } } },
    { add: { chain: { ...at, name: allow } } },
    { add: { chain: { ...at, name: refuse } } },
  ];
  for (const family of [4, 6] as const) {
    const saddr = payload(family === 4 ? 'ip' : 'ip6', 'saddr');
    out.push(rule(chain, [match(saddr, `@${setName('removed', family)}`), { goto: { target: refuse } }]));
    out.push(rule(chain, [match(saddr, `@${setName('allow', family)}`), { goto: { target: allow } }]));
    out.push(rule(chain, [match(saddr, `@${setName('added', family)}`), { goto: { target: allow } }]));
  }
  out.push(rule(chain, [{ goto: { target: refuse } }]));
  out.push(rule(allow, [FIRST_PACKET, { counter: counterName('allowed', l.index) }]));
  out.push(rule(allow, [{ accept: null }]));
  out.push(rule(refuse, [FIRST_PACKET, { counter: counterName('refused', l.index) }]));
  if (options.log !== undefined) {
    const { group, perSecond } = options.log;
    out.push(rule(refuse, [FIRST_PACKET, { limit: { rate: perSecond, per: 'second' } }, { log: { group, prefix: `ipgate ${l.name}` } }]));
  }
  out.push(rule(refuse, [options.refuse === 'reset' ? { reject: { type: 'tcp reset' } } : { drop: null }]));
  return out;
}

/**
 * One transaction that replaces the whole table (created if absent, so the delete cannot fail): there is no
 * moment without the old or the new rules. `counts` are the counters' packets to start from.
 */
export function createTable(options: RulesetOptions, sets: SetContents, counts: ReadonlyMap<string, number> = new Map()): NftCommand[] {
  const out: NftCommand[] = [{ add: { table } }, { delete: { table } }, { add: { table } }];
  for (const role of SET_ROLES) for (const family of [4, 6] as const) out.push(setCommand(role, family, sets[role][family]));
  for (const l of options.listeners) {
    for (const decision of ['allowed', 'refused'] as const) {
      // Counts carry over a rewrite (a repair, a restart), so the metrics stay monotonic.
      const name = counterName(decision, l.index);
      out.push({ add: { counter: { ...at, name, comment: `listener ${l.name}: new connections ${decision}`, packets: counts.get(name) ?? 0, bytes: 0 } } });
    }
  }
  for (const l of options.listeners) out.push(...listenerRules(l, options));
  for (const hook of options.hooks) {
    out.push({ add: { chain: { ...at, name: hook, type: 'filter', hook, prio: PRIORITY, policy: 'accept' } } });
    for (const l of options.listeners) out.push(rule(hook, [...destination(l.address), { jump: { target: `listener_${l.index}` } }], `ipgate listener ${l.name}`));
  }
  return out;
}

/** Replaces the elements of the given sets (flush, then add), all in one transaction. */
export function replaceSets(changes: readonly { readonly role: SetRole; readonly family: Family; readonly intervals: SetIntervals }[]): NftCommand[] {
  const out: NftCommand[] = [];
  for (const c of changes) {
    out.push({ flush: { set: { ...at, name: setName(c.role, c.family) } } });
    if (intervalCount(c.intervals) > 0) out.push(setCommand(c.role, c.family, c.intervals));
  }
  return out;
}

export function deleteTable(): NftCommand[] {
  return [{ add: { table } }, { delete: { table } }];
}

export function batch(commands: readonly NftCommand[]): string {
  return JSON.stringify({ nftables: commands });
}
