/**
 * `ipgate explain IP --server URL --token-file F`: asks a running gateway whether an address may connect
 * and why (which entry matched, or that none did). Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { IpgateError } from '../../errors.js';
import { parseCommandArgs, type CommandSpec } from '../args.js';
import { adminRequest, isVerdictBody, resolveTarget, unexpectedAnswer } from '../client.js';
import { writeJson } from '../output.js';
import { formatVerdict } from '../profile-view.js';

const OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const SPEC: CommandSpec<typeof OPTIONS> = {
  name: 'explain',
  help: `Usage: ipgate explain IP --server URL --token-file F [--output json]

Asks a running gateway whether IP may connect, and why: the entry that matched, or the reason it is refused.
Exit status: 0 allowed, 1 refused, 2 error.
  --server URL        the gateway's admin API (or IPGATE_SERVER), e.g. http://127.0.0.1:9090
  --token-file F      file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  --output table|json plain text (default) or JSON for scripts
  --timeout SECONDS   give up after this long (default 10)`,
  options: OPTIONS,
  maxPositionals: 1,
};

export function outputMode(value: string | undefined): 'table' | 'json' {
  const output = value ?? 'table';
  if (output !== 'table' && output !== 'json') {
    throw new IpgateError('ERR_USAGE', `--output "${output}" must be table or json`, { input: output });
  }
  return output;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(SPEC, argv);
  if (parsed === undefined) return 0;
  const ip = parsed.positionals[0];
  if (ip === undefined) {
    throw new IpgateError('ERR_USAGE', "ipgate explain: give the address to explain, e.g. 'ipgate explain 203.0.113.7'");
  }
  const output = outputMode(parsed.values.output);
  const target = resolveTarget(parsed.values.server, parsed.values['token-file'], parsed.values.timeout);
  const res = await adminRequest(target, 'GET', '/v1/explain', { query: { ip } });
  if (!isVerdictBody(res.body)) throw unexpectedAnswer('GET /v1/explain', target.baseUrl);
  if (output === 'json') writeJson(res.body);
  else process.stdout.write(formatVerdict(res.body));
  return res.body.allowed ? 0 : 1;
}
