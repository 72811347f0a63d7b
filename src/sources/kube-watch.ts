/**
 * Discovery of a cluster's nodes and LoadBalancer Services, kept current: a list gives every object and a
 * resourceVersion; a watch from that version then delivers each change (ADDED, MODIFIED, DELETED; BOOKMARK
 * moves the version on). A stream the server ends is watched again from the last version; after a version
 * that is too old (410 Expired) or any failure (an unreachable or refusing API server, data that does not
 * parse) everything is listed again before the next watch, retried with exponential backoff while the last
 * good objects stay in use (the caller keeps enforcing
 * them: discovery never turns a failure into "no addresses" or "every address"). After a batch of events
 * the snapshot text goes to `onChange`; the caller decides whether anything it cares about changed.
 */
import { IpgateError } from '../errors.js';
import { KubeClient, type WatchEvent } from './kube-client.js';
import type { KubeConnection } from './kube-config.js';
import { nodeKey, nodeOf, serviceKey, serviceOf, snapshotText, type KubeNode, type KubeService } from './kube-objects.js';

type Resource = 'nodes' | 'services';

const COLLECTION: Readonly<Record<Resource, string>> = { nodes: '/api/v1/nodes', services: '/api/v1/services' };

export interface KubeDiscoveryOptions {
  /** Reads the kubeconfig or service account again (tokens rotate); throws ERR_KUBECONFIG_INVALID. */
  readonly connect: () => Promise<KubeConnection>;
  readonly timeoutMs?: number;
  /** The snapshot after watched changes. */
  readonly onChange?: (text: string) => void;
  /** A list or watch failed (the last good objects stay); retried after a backoff. */
  readonly onError?: (error: IpgateError) => void;
  /** The API server answers again after a failure. */
  readonly onRecovered?: () => void;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly watchTimeoutSeconds?: number;
}

function asIpgateError(error: unknown): IpgateError {
  return error instanceof IpgateError ? error : new IpgateError('ERR_SOURCE_FETCH', error instanceof Error ? error.message : String(error));
}

function versionOf(object: unknown): string | undefined {
  const md = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return typeof md?.resourceVersion === 'string' && md.resourceVersion !== '' ? md.resourceVersion : undefined;
}

export class KubeDiscovery {
  private readonly nodes = new Map<string, KubeNode>();
  private readonly services = new Map<string, KubeService>();
  private readonly versions: Record<Resource, string | undefined> = { nodes: undefined, services: undefined };
  private readonly abort = new AbortController();
  private watching = false;
  private emitScheduled = false;

  constructor(private readonly options: KubeDiscoveryOptions) {}

  private async client(): Promise<KubeClient> {
    return new KubeClient(await this.options.connect(), this.options.timeoutMs ?? 30_000);
  }

  private async listOne(client: KubeClient, resource: Resource): Promise<void> {
    const result = await client.list(COLLECTION[resource], this.abort.signal);
    if (resource === 'nodes') {
      const parsed = result.items.map(nodeOf);
      this.nodes.clear();
      for (const n of parsed) this.nodes.set(nodeKey(n), n);
    } else {
      const parsed = result.items.map(serviceOf);
      this.services.clear();
      for (const s of parsed) this.services.set(serviceKey(s), s);
    }
    this.versions[resource] = result.resourceVersion;
  }

  /** Lists nodes and Services now; the snapshot text. Throws (ERR_SOURCE_FETCH, ERR_SOURCE_PARSE, ERR_KUBECONFIG_INVALID). */
  async list(): Promise<string> {
    const client = await this.client();
    await this.listOne(client, 'nodes');
    await this.listOne(client, 'services');
    return this.text();
  }

  text(): string {
    return snapshotText(this.nodes.values(), this.services.values());
  }

  /** Starts watching both collections (listing first where no version is known). */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    void this.loop('nodes');
    void this.loop('services');
  }

  stop(): void {
    this.abort.abort();
  }

  private apply(resource: Resource, event: WatchEvent): void {
    const version = versionOf(event.object);
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
      if (resource === 'nodes') {
        const node = nodeOf(event.object);
        if (event.type === 'DELETED') this.nodes.delete(nodeKey(node));
        else this.nodes.set(nodeKey(node), node);
      } else {
        const service = serviceOf(event.object);
        if (event.type === 'DELETED') this.services.delete(serviceKey(service));
        else this.services.set(serviceKey(service), service);
      }
      this.scheduleEmit();
    }
    if (version !== undefined) this.versions[resource] = version;
  }

  private scheduleEmit(): void {
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    setImmediate(() => {
      this.emitScheduled = false;
      if (!this.abort.signal.aborted) this.options.onChange?.(this.text());
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  private async loop(resource: Resource): Promise<void> {
    const first = this.options.backoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    let delay = first;
    let failing = false;
    const answered = (): void => {
      if (!failing) return;
      failing = false;
      this.options.onRecovered?.();
    };
    while (!this.abort.signal.aborted) {
      const started = Date.now();
      try {
        const client = await this.client();
        if (this.versions[resource] === undefined) {
          await this.listOne(client, resource);
          answered();
          this.scheduleEmit();
        }
        const end = await client.watch(COLLECTION[resource], this.versions[resource] ?? '', (e) => this.apply(resource, e),
          this.abort.signal, this.options.watchTimeoutSeconds ?? 300, answered);
        if (end === 'expired') this.versions[resource] = undefined;
        delay = first;
        // A stream that ends at once (a proxy closing it) is not watched again in a tight loop.
        if (Date.now() - started < 1000) await this.sleep(first);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        const e = asIpgateError(error);
        // After any failure, list again before watching (the last good snapshot stays until that works):
        // what happened while the watch was away is not trusted to a resourceVersion alone.
        this.versions[resource] = undefined;
        failing = true;
        this.options.onError?.(e);
        await this.sleep(delay);
        delay = Math.min(delay * 2, max);
      }
    }
  }
}
