/**
 * The shared shape of `ipgate explain` and `ipgate whoami`: ask a running gateway's admin API for a verdict,
 * print it (plain text or JSON) and exit 0 when allowed, 1 when refused.
 */
import { IpgateError } from '../errors.js';
import type { CommandSpec } from './args.js';
import { adminRequest, isVerdictBody, resolveTarget, unexpectedAnswer } from './client.js';
import { writeJson } from './output.js';
import { formatVerdict } from './profile-view.js';

export const VERDICT_OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export type VerdictSpec = CommandSpec<typeof VERDICT_OPTIONS>;

export const VERDICT_OPTIONS_HELP = `  --server URL        the gateway's admin API (or IPGATE_SERVER), e.g. http://127.0.0.1:9090
  --token-file F      file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  --output table|json plain text (default) or JSON for scripts
  --timeout SECONDS   give up after this long (default 10)`;

export function outputMode(value: string | undefined): 'table' | 'json' {
  const output = value ?? 'table';
  if (output !== 'table' && output !== 'json') {
    throw new IpgateError('ERR_USAGE', `--output "${output}" must be table or json`, { input: output });
  }
  return output;
}

export async function runVerdictCommand(
  values: { readonly server?: string | undefined; readonly 'token-file'?: string | undefined; readonly output?: string | undefined; readonly timeout?: string | undefined },
  path: string,
  query?: Record<string, string>,
): Promise<number> {
  const output = outputMode(values.output);
  const target = resolveTarget(values.server, values['token-file'], values.timeout);
  const res = await adminRequest(target, 'GET', path, query === undefined ? {} : { query });
  if (!isVerdictBody(res.body)) throw unexpectedAnswer(`GET ${path}`, target.baseUrl);
  if (output === 'json') writeJson(res.body);
  else process.stdout.write(formatVerdict(res.body));
  return res.body.allowed ? 0 : 1;
}
