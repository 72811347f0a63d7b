/**
 * The shared shape of `ipgate explain` and `ipgate whoami`: ask a running gateway's admin API for a verdict,
 * print it (table, JSON or YAML) and exit 0 when allowed, 1 when refused.
 */
import type { Values } from './args.js';
import { adminRequest, isVerdictBody, resolveTarget, unexpectedAnswer } from './client.js';
import { ERROR_EXITS, SERVER_OPTIONS, TABLE_OUTPUT } from './common-options.js';
import { printResult } from './output.js';
import { formatVerdict } from './profile-view.js';

export const VERDICT_OPTIONS = SERVER_OPTIONS;
export const VERDICT_OUTPUT = TABLE_OUTPUT;
export const VERDICT_EXITS = [[0, 'the address is allowed'], [1, 'the address is refused'], ...ERROR_EXITS] as const;

export async function runVerdictCommand(
  values: Values<typeof VERDICT_OPTIONS>,
  output: string,
  path: string,
  query?: Record<string, string>,
): Promise<number> {
  const target = resolveTarget(values);
  const res = await adminRequest(target, 'GET', path, query === undefined ? {} : { query });
  const body = res.body;
  if (!isVerdictBody(body)) throw unexpectedAnswer(`GET ${path}`, target.baseUrl);
  printResult(output, body, { table: () => formatVerdict(body) });
  return body.allowed ? 0 : 1;
}
