/**
 * Builds the etcd3 client for the etcd store: TLS from files, short deadlines on unary calls (a write to an
 * unreachable etcd fails fast instead of hanging), no hidden retries or circuit breaker (the store probes
 * etcd itself), and quick reconnection of the watch stream once etcd is back.
 */
import { readFile } from 'node:fs/promises';
import { noop, type IBackoff } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';

export interface EtcdTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface EtcdClientOptions extends EtcdTls {
  readonly endpoints: readonly string[];
  /** Deadline of every unary call. */
  readonly timeoutMs: number;
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new IpgateError('ERR_ETCD_TLS', `Cannot read the etcd ${what} "${file}": ${describeFileError(error)}`, { input: file });
  }
}

/** Reconnection delays of the watch stream: doubling from `delayMs`, capped at `maxMs`. */
function doublingBackoff(delayMs: number, maxMs: number): IBackoff<unknown> {
  return { duration: delayMs, next: () => doublingBackoff(Math.min(delayMs * 2, maxMs), maxMs) };
}

export async function createEtcdClient(options: EtcdClientOptions): Promise<Etcd3> {
  const https = options.endpoints.some((e) => e.startsWith('https://'));
  let credentials: IOptions['credentials'];
  if (https || options.caFile !== undefined) {
    if (options.caFile === undefined) {
      throw new IpgateError('ERR_ETCD_TLS', 'https etcd endpoints need store.etcd.caFile (the CA that signed the etcd server certificate)', { input: 'store.etcd.caFile' });
    }
    credentials = {
      rootCertificate: await readPem(options.caFile, 'CA file'),
      ...(options.certFile === undefined ? {} : { certChain: await readPem(options.certFile, 'client certificate') }),
      ...(options.keyFile === undefined ? {} : { privateKey: await readPem(options.keyFile, 'client key') }),
    };
  }
  const timeoutMs = options.timeoutMs;
  return new Etcd3({
    hosts: [...options.endpoints],
    ...(credentials === undefined ? {} : { credentials }),
    dialTimeout: timeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.min_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
    faultHandling: {
      host: () => noop,
      global: noop,
      watchBackoff: doublingBackoff(50, 1000),
    },
  });
}
