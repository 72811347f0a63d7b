/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename over the target.
 * A writer killed between the two (kill -9, power loss) leaves its temporary file behind;
 * removeStaleTempFiles clears those of a target at start-up, never one a live process may still write.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `.NAME.PID.RAND.tmp` next to NAME: the temporary file writeFileAtomic writes before the rename. */
export function tempFileName(file: string, pid: number, random: string): string {
  return join(dirname(file), `.${basename(file)}.${pid}.${random}.tmp`);
}

/**
 * `mode` applies to a newly created file (default 0o600: profiles and caches are nobody else's business).
 * Resolves to the status of the file written (taken before the rename, so it is the file this call wrote
 * even should another writer replace it right after).
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array, mode = 0o600): Promise<BigIntStats> {
  const temp = tempFileName(file, process.pid, randomBytes(4).toString('hex'));
  const handle = await open(temp, 'wx', mode);
  let stats: BigIntStats;
  try {
    await handle.writeFile(text);
    await handle.sync();
    stats = await handle.stat({ bigint: true });
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return stats;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const swept = new Set<string>();

/**
 * Removes the temporary files writeFileAtomic left next to `file` when its writer died: only names of exactly
 * its pattern for this target, and only when no process with the pid in the name runs (so a concurrent
 * writer's file is never touched). Runs once per target and process (it is meant for start-up; later calls
 * return at once). Resolves with the names removed; a missing directory is nothing to clean.
 */
export async function removeStaleTempFiles(file: string): Promise<string[]> {
  if (swept.has(file)) return [];
  swept.add(file);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(file))}\\.([1-9][0-9]{0,8})\\.[0-9a-f]{8}\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || isRunning(pid)) continue;
    try {
      await rm(join(dirname(file), name), { force: true });
      removed.push(name);
    } catch {
      // Not a plain file (or not ours to remove): leave it.
    }
  }
  return removed;
}
