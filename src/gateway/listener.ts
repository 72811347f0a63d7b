/**
 * One listening socket: judge each connection by its source before anything else happens. Refused
 * connections are reset at once (no upstream dial; most before they ever become a Node socket, see
 * ./early-refusal.ts); allowed ones are spliced to the upstream both ways.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { compileMatcher, type Matcher } from '../cidr/matcher.js';
import { socketAddress } from '../cidr/format.js';
import type { Endpoint } from '../config/address.js';
import type { ListenerConfig } from '../config/types.js';
import type { AuditLog } from '../runtime/audit-log.js';
import type { ConnectionTracker, TrackedConnection } from './connection-tracker.js';
import { countReason, type ListenerCounters } from './counters.js';
import type { ProfileState } from '../runtime/profile-state.js';
import type { RefusalRing } from '../runtime/refusal-ring.js';
import type { MatchLog } from '../runtime/match-log.js';
import { installEarlyRefusal } from './early-refusal.js';
import { parseProxyHeader } from '../net/proxy-protocol.js';

export interface ListenerDeps {
  readonly config: ListenerConfig;
  readonly upstream: Endpoint;
  readonly upstreamConnectTimeoutMs: number;
  readonly state: ProfileState;
  readonly counters: ListenerCounters;
  readonly audit: AuditLog;
  readonly tracker: ConnectionTracker;
  /** The most recent refused sources of this listener. */
  readonly refusals: RefusalRing;
  /** Which entry admitted the connections (shared by the listeners of a data plane). */
  readonly matches?: MatchLog;
}

/** Header bytes a trusted peer may send before it is judged malformed (v2 maximum we accept + v2 fixed part). */
const MAX_HEADER_BYTES = 4096 + 16;
/** How long a closing side may flush before it is destroyed. */
const LINGER_MS = 5000;

interface Judgement {
  readonly allowed: boolean;
  readonly reason: string;
  readonly matched?: string | undefined;
}

const NOT_ENFORCED: Judgement = { allowed: true, reason: 'not-enforced' };


export class GatewayListener {
  readonly name: string;
  private readonly server: Server;
  private readonly trusted: Matcher | undefined;

  constructor(private readonly deps: ListenerDeps) {
    this.name = deps.config.name;
    this.trusted = deps.config.proxyProtocol === undefined ? undefined : compileMatcher(deps.config.proxyProtocol.trustedFrom);
    // Sockets start paused and without TCP_NODELAY: a refused connection is never read from and needs no
    // socket options (a flood of them costs less); an allowed one is set up in forward().
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.onConnection(socket));
  }

  /** Starts listening; resolves with the bound address (the real port when 0 was configured). */
  listen(): Promise<AddressInfo> {
    const { host, port } = this.deps.config.address;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, backlog: 4096, ...(host === '::' ? { ipv6Only: false } : {}) }, () => {
        this.server.off('error', reject);
        installEarlyRefusal(this.server, (peer) => this.refuseEarly(peer));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting new connections (open ones continue). */
  stopAccepting(): void {
    this.server.close();
  }

  private onConnection(socket: Socket): void {
    const peer = socket.remoteAddress;
    if (peer === undefined) {
      socket.destroy();
      return;
    }
    if (this.trusted !== undefined && this.trusted.has(peer)) {
      this.awaitProxyHeader(socket, socketAddress(peer));
      return;
    }
    this.judge(socket, socketAddress(peer), undefined);
  }

  /**
   * A new connection's first judgement, before it becomes a socket (./early-refusal.ts): true when refused
   * (counted, audited; the caller resets it). Peers that may send a PROXY header are judged after it.
   */
  private refuseEarly(peer: string): boolean {
    if (this.trusted !== undefined && this.trusted.has(peer)) return false;
    const source = socketAddress(peer);
    const verdict = this.decide(source);
    if (verdict.allowed) return false;
    countReason(this.deps.counters.refused, verdict.reason);
    this.deps.refusals.record(source, verdict.reason, Date.now());
    this.deps.audit.record(this.name, source, 'refused', verdict.reason);
    return true;
  }

  private decide(source: string): Judgement {
    if (!this.deps.config.enforce) return NOT_ENFORCED;
    try {
      return this.deps.state.current.compiled.decide(source);
    } catch {
      return { allowed: false, reason: 'bad-source-address' };
    }
  }

  private judge(socket: Socket, source: string, pending: Buffer | undefined): void {
    const verdict = this.decide(source);
    if (!verdict.allowed) {
      countReason(this.deps.counters.refused, verdict.reason);
      socket.resetAndDestroy();
      this.deps.refusals.record(source, verdict.reason, Date.now());
      this.deps.audit.record(this.name, source, 'refused', verdict.reason);
      return;
    }
    countReason(this.deps.counters.allowed, verdict.reason);
    if (verdict.matched !== undefined) this.deps.matches?.record(this.name, verdict.matched, Date.now());
    this.deps.audit.record(this.name, source, 'allowed', verdict.reason, verdict.matched);
    this.forward(socket, source, pending);
  }

  private awaitProxyHeader(socket: Socket, peer: string): void {
    const counters = this.deps.counters;
    let received: Buffer = Buffer.alloc(0);
    const fail = (kind: 'malformed' | 'timeout', reason: string): void => {
      if (kind === 'timeout') counters.proxyTimeout++;
      else counters.proxyMalformed++;
      countReason(counters.refused, reason);
      socket.off('data', onData);
      socket.destroy();
      this.deps.refusals.record(peer, reason, Date.now());
      this.deps.audit.record(this.name, peer, 'refused', reason);
    };
    const timer = setTimeout(() => fail('timeout', 'proxy-header-timeout'), this.deps.config.proxyProtocol?.timeoutMs ?? 3000);
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const result = parseProxyHeader(received);
      if (result.status === 'incomplete') {
        if (received.length > MAX_HEADER_BYTES) {
          clearTimeout(timer);
          fail('malformed', 'proxy-header-malformed');
        }
        return;
      }
      clearTimeout(timer);
      if (result.status === 'invalid') {
        fail('malformed', 'proxy-header-malformed');
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const source = result.header.command === 'proxy' && result.header.source !== undefined ? result.header.source.address : peer;
      this.judge(socket, socketAddress(source), received.subarray(result.length));
    };
    socket.on('data', onData);
    socket.resume();
    socket.on('error', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
  }

  private forward(socket: Socket, source: string, pending: Buffer | undefined): void {
    const { counters, tracker, upstream: target } = this.deps;
    socket.setNoDelay(true);
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    let connected = false;
    let finished = false;
    counters.active++;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      counters.active--;
      tracker.remove(tracked);
    };
    const destroyBoth = (): void => {
      finish();
      socket.destroy();
      upstream.destroy();
    };
    const tracked: TrackedConnection = {
      listener: this.name,
      source,
      enforced: this.deps.config.enforce,
      close: () => {
        counters.revoked++;
        this.deps.audit.record(this.name, source, 'revoked', 'not-authorized');
        destroyBoth();
      },
      destroy: destroyBoth,
    };
    tracker.add(tracked);

    upstream.setTimeout(this.deps.upstreamConnectTimeoutMs, () => {
      if (!connected) {
        counters.upstreamErrors++;
        destroyBoth();
      }
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
    });
    upstream.on('error', () => {
      if (!connected) counters.upstreamErrors++;
      destroyBoth();
    });
    socket.on('error', destroyBoth);
    // When one side is fully closed, let the other flush what it holds, then close it too.
    const onClose = (other: Socket) => (hadError: boolean): void => {
      finish();
      if (hadError || other.destroyed) {
        other.destroy();
        return;
      }
      other.end();
      setTimeout(() => other.destroy(), LINGER_MS).unref();
    };
    socket.once('close', onClose(upstream));
    upstream.once('close', onClose(socket));

    if (pending !== undefined && pending.length > 0) upstream.write(pending);
    socket.pipe(upstream);
    upstream.pipe(socket);
  }
}
