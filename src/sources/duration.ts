/** Durations as written in config: `24h`, `30m`, `90s`, `1d`, or combined (`1h30m`). */
import { IpgateError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
export const DURATION = /^(?:\d{1,6}[dhms])+$/;

export function parseDuration(text: string): number {
  if (!DURATION.test(text)) {
    throw new IpgateError('ERR_DURATION', `Cannot parse ${JSON.stringify(text)} as a duration: write a number and a unit (d, h, m, s), e.g. 24h or 30m`, {
      input: text, suggestion: '24h',
    });
  }
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([dhms])/g)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  if (ms < 1000) throw new IpgateError('ERR_DURATION', `Duration ${JSON.stringify(text)} is too short: at least 1s`, { input: text, suggestion: '1m' });
  return ms;
}
