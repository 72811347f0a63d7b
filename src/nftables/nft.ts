/**
 * The `nft` command: every change is one JSON batch in a private temporary file (`nft -j -f FILE`; nft
 * cannot open a socket as /dev/stdin, which is what Node's pipes are), which the kernel commits as one
 * netlink transaction or not at all; listings are read as JSON. nft's own words are kept in
 * the errors: ERR_NFT_UNAVAILABLE when nft cannot run or may not change the ruleset, ERR_NFT_REFUSED when it
 * refuses a batch (nothing changed then).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpgateError } from '../errors.js';
import { NftSession, NftSessionError } from './nft-session.js';
import { batch, FAMILY, TABLE, type NftCommand } from './ruleset.js';

const TIMEOUT_MS = 60_000;
/** Batches up to this size go through the long-lived session; larger ones (a full rewrite) through a file. */
const SESSION_MAX_BYTES = 512 * 1024;

export interface NftResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** nft's message without the blank lines and the caret lines pointing into the batch. */
export function nftMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^[\s^~]+$/.test(l) && !l.startsWith('{"nftables"'))
    .join(' | ')
    .slice(0, 2000);
}

function unavailable(binary: string, why: string, suggestion: string): IpgateError {
  return new IpgateError('ERR_NFT_UNAVAILABLE', `Cannot use nft ("${binary}") to manage table inet ${TABLE} because ${why}`, { input: binary, suggestion });
}

const NO_PERMISSION = /Operation not permitted|Permission denied/i;
const NO_KERNEL = /Protocol not supported|Operation not supported|Could not receive.*netlink/i;

export class NftCli {
  private readonly session: NftSession;

  constructor(readonly binary: string) {
    this.session = new NftSession(binary);
  }

  /** Ends the long-lived session, if one runs. */
  close(): void {
    this.session.close();
  }

  /**
   * Commits a small batch through the long-lived session (one transaction, as `apply`); falls back to
   * `apply` when the session cannot be used. A batch sent to a session that then failed may be applied
   * twice: ipgate's batches (flush and fill whole sets) give the same result either way.
   */
  async applyQuick(commands: readonly NftCommand[]): Promise<void> {
    const text = batch(commands);
    if (text.length <= SESSION_MAX_BYTES) {
      let out: string | undefined;
      try {
        out = await this.session.request([text]);
      } catch (error) {
        if (!(error instanceof NftSessionError)) throw error;
      }
      if (out !== undefined) {
        // nft refuses with "Error:" (its message); a warning alone leaves the batch committed.
        if (!/\bError\b/.test(out)) return;
        throw this.failure({ code: 1, stdout: '', stderr: out }, 'refused the change');
      }
    }
    await this.apply(commands);
  }

  /** One set's JSON listing through the long-lived session (as `list`), or a run of nft when it cannot be used. */
  async listSetQuick(name: string): Promise<string | undefined> {
    let out: string | undefined;
    try {
      out = await this.session.request([JSON.stringify({ nftables: [{ list: { set: { family: FAMILY, table: TABLE, name } } }] })]);
    } catch (error) {
      if (!(error instanceof NftSessionError)) throw error;
      return this.list(['set', FAMILY, TABLE, name]);
    }
    if (out.startsWith('{"nftables"') && out.indexOf('\n') >= out.length - 1) return out;
    if (/No such file or directory/.test(out)) return undefined;
    throw this.failure({ code: 1, stdout: '', stderr: out }, `could not list set ${FAMILY} ${TABLE} ${name}`);
  }

  /** Runs nft with `args`; rejects with ERR_NFT_UNAVAILABLE when it cannot start. */
  run(args: readonly string[]): Promise<NftResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = error.code === 'ENOENT' ? 'the program is not installed or not in PATH' : error.code === 'EACCES' ? 'the program is not executable' : error.message;
        reject(unavailable(this.binary, why, 'install nftables (Debian: apt-get install nftables), or give the path of nft in dataplane.binary (ipgate nft remove: --binary)'));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({ code: code ?? (signal === null ? 1 : 128), stdout: Buffer.concat(out).toString('utf8'), stderr: signal === 'SIGKILL' && code === null ? `nft did not finish within ${TIMEOUT_MS} ms` : stderr });
      });
      child.stdin.end();
    });
  }

  /** Commits the commands as one transaction; throws (nothing changed) when nft refuses them. */
  async apply(commands: readonly NftCommand[]): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'ipgate-nft-'));
    let result: NftResult;
    try {
      const file = join(dir, 'batch.json');
      await writeFile(file, batch(commands), { mode: 0o600 });
      result = await this.run(['-j', '-f', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (result.code === 0) return;
    throw this.failure(result, 'refused the change');
  }

  /** A JSON listing (`nft -j list ARGS`); `undefined` when the object does not exist. */
  async list(args: readonly string[]): Promise<string | undefined> {
    const result = await this.run(['-j', 'list', ...args]);
    if (result.code === 0) return result.stdout;
    if (/No such file or directory/.test(result.stderr)) return undefined;
    throw this.failure(result, `could not list ${args.join(' ')}`);
  }

  /** The error of a failed run: unavailable (permission, kernel) or refused, with nft's message. */
  failure(result: NftResult, what: string): IpgateError {
    const message = nftMessage(result.stderr) || `exit code ${result.code}`;
    if (NO_PERMISSION.test(result.stderr)) {
      return unavailable(this.binary, `it may not change the ruleset (${message})`, 'run ipgate as root, or give it the CAP_NET_ADMIN capability');
    }
    if (NO_KERNEL.test(result.stderr)) {
      return unavailable(this.binary, `the kernel does not offer nf_tables (${message})`, 'load the nf_tables module (modprobe nf_tables) or use a kernel with nftables');
    }
    return new IpgateError('ERR_NFT_REFUSED', `nft ${what} for table inet ${TABLE}; nft says: ${message}`, {
      input: this.binary,
      suggestion: 'nothing was changed; the message above is nft\'s own (see docs/nftables.md for what ipgate writes)',
    });
  }
}
