/**
 * `ipgate whoami --server URL --token-file F`: the caller's address as the gateway sees it, and whether
 * that address may connect. Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { parseCommandArgs, type CommandSpec } from '../args.js';
import { adminRequest, isVerdictBody, resolveTarget, unexpectedAnswer } from '../client.js';
import { writeJson } from '../output.js';
import { formatVerdict } from '../profile-view.js';
import { outputMode } from './explain.js';

const OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const SPEC: CommandSpec<typeof OPTIONS> = {
  name: 'whoami',
  help: `Usage: ipgate whoami --server URL --token-file F [--output json]

Asks a running gateway which address it sees for you and whether that address may connect.
Exit status: 0 allowed, 1 refused, 2 error.
  --server URL        the gateway's admin API (or IPGATE_SERVER), e.g. http://127.0.0.1:9090
  --token-file F      file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  --output table|json plain text (default) or JSON for scripts
  --timeout SECONDS   give up after this long (default 10)`,
  options: OPTIONS,
  maxPositionals: 0,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(SPEC, argv);
  if (parsed === undefined) return 0;
  const output = outputMode(parsed.values.output);
  const target = resolveTarget(parsed.values.server, parsed.values['token-file'], parsed.values.timeout);
  const res = await adminRequest(target, 'GET', '/v1/whoami');
  if (!isVerdictBody(res.body)) throw unexpectedAnswer('GET /v1/whoami', target.baseUrl);
  if (output === 'json') writeJson(res.body);
  else process.stdout.write(formatVerdict(res.body));
  return res.body.allowed ? 0 : 1;
}
