/**
 * The on-disk cache of each source's last good file: `<dir>/<name>.raw` (the file as fetched) and
 * `<dir>/<name>.meta.json` (ETag, Last-Modified, sha256, times). Both are written atomically (temporary file,
 * fsync, rename); the raw file first, so a crash between the two leaves a sha256 mismatch that `readCache`
 * detects (it then keeps the data but drops the validators, forcing a full fetch).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface CacheMeta {
  readonly sha256: string;
  readonly etag?: string;
  readonly lastModified?: string;
  readonly fetchedAt: string;
  readonly origin: string;
}

export interface CacheEntry {
  readonly text: string;
  readonly meta: CacheMeta;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function writeCache(dir: string, name: string, text: string, meta: Omit<CacheMeta, 'sha256'>): Promise<CacheMeta> {
  await mkdir(dir, { recursive: true });
  const full: CacheMeta = { ...meta, sha256: sha256(text) };
  await writeFileAtomic(join(dir, `${name}.raw`), text, 0o644);
  await writeFileAtomic(join(dir, `${name}.meta.json`), `${JSON.stringify(full, null, 2)}\n`, 0o644);
  return full;
}

/** The cached copy, or undefined when there is none. */
export async function readCache(dir: string, name: string): Promise<CacheEntry | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, `${name}.raw`), 'utf8');
  } catch {
    return undefined;
  }
  const actual = sha256(text);
  let meta: CacheMeta = { sha256: actual, fetchedAt: new Date(0).toISOString(), origin: '' };
  try {
    const parsed = JSON.parse(await readFile(join(dir, `${name}.meta.json`), 'utf8')) as Partial<CacheMeta>;
    if (parsed.sha256 === actual && typeof parsed.fetchedAt === 'string') {
      meta = {
        sha256: actual, fetchedAt: parsed.fetchedAt, origin: typeof parsed.origin === 'string' ? parsed.origin : '',
        ...(typeof parsed.etag === 'string' ? { etag: parsed.etag } : {}),
        ...(typeof parsed.lastModified === 'string' ? { lastModified: parsed.lastModified } : {}),
      };
    }
  } catch {
    // No or unreadable metadata: keep the data, without validators.
  }
  return { text, meta };
}
