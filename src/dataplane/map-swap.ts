/**
 * One atomic swap of an HAProxy map through the runtime API: `prepare map` opens a new version,
 * `add map @VER` fills it (entries sent in payload batches), `commit map @VER` makes it the one in force
 * in a single step. On any failure the prepared version is cleared (`clear map @VER`) and the version in
 * force stays untouched: HAProxy never sees an empty or partial list.
 */
import { IpgateError } from '../errors.js';
import type { MapEntry } from './allow-map.js';
import { refused, type RuntimeApi } from './runtime-api.js';

/** Bytes of entries per `add map` payload (HAProxy reads a payload into one buffer, 16 kB by default). */
export const PAYLOAD_BYTES = 12_000;

export function payloadBatches(entries: readonly MapEntry[], maxBytes = PAYLOAD_BYTES): string[] {
  const batches: string[] = [];
  let lines: string[] = [];
  let size = 0;
  for (const e of entries) {
    const line = `${e.key} ${e.value}`;
    if (size + line.length + 1 > maxBytes && lines.length > 0) {
      batches.push(lines.join('\n'));
      lines = [];
      size = 0;
    }
    lines.push(line);
    size += line.length + 1;
  }
  if (lines.length > 0) batches.push(lines.join('\n'));
  return batches;
}

/** Replaces the map's entries in one commit. Returns the committed version. */
export async function swapMap(api: RuntimeApi, mapId: string, entries: readonly MapEntry[]): Promise<number> {
  if (entries.length === 0) {
    // Every profile has at least one entry once rendered; an empty map would refuse everyone by accident.
    throw new IpgateError('ERR_HAPROXY_EMPTY_LIST', `Refusing to push an empty list to HAProxy map ${mapId}`, { input: mapId });
  }
  const prepareCommand = `prepare map ${mapId}`;
  const answer = await api.command(prepareCommand);
  const match = /New version created: (\d+)/.exec(answer);
  if (match === null) throw refused(prepareCommand, answer, api.socketPath);
  const version = Number(match[1]);
  try {
    for (const batch of payloadBatches(entries)) await api.expectEmpty(`add map @${version} ${mapId}`, batch);
    await api.expectEmpty(`commit map @${version} ${mapId}`);
  } catch (error) {
    await api.command(`clear map @${version} ${mapId}`).catch(() => undefined);
    throw error;
  }
  return version;
}
