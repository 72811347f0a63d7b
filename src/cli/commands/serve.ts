/** `ipgate serve`: run the gateway from a config file or from the short command-line form. */
import { parseCommandArgs } from '../args.js';
import { configFromFlags, loadConfigFile } from '../../config/load.js';
import type { GatewayConfig } from '../../config/types.js';
import { IpgateError } from '../../errors.js';
import { IpgateServer } from '../../server/server.js';
import { jsonLogger } from '../../runtime/log.js';

const HELP = `Usage: ipgate serve --config FILE
       ipgate serve --listen ADDR --upstream ADDR --ranges FILE [--admin ADDR --token-file FILE]
       ipgate serve --check --config FILE

Run the gateway: accept connections where clients expect the API server, refuse every source the profile
does not authorize before dialing the upstream, and pass authorized connections through untouched.

Options:
  --config FILE      YAML config (see examples/ipgate.yaml)
  --listen ADDR      listen address, host:port or [v6]:port (repeatable; short form)
  --upstream ADDR    the API server, host:port (short form)
  --ranges FILE      authorized ranges, one a line; the file is the store, watched for edits (short form)
  --admin ADDR       admin API address (short form; needs --token-file)
  --token-file FILE  file holding the admin bearer token
  --audit-log DEST   audit log: - (standard error, default), off, or a file
  --check            check the config and exit, as nginx -t: the config, the admin token and etcd TLS
                     files, the store (reachable, a valid profile) and, with HAProxy managed, haproxy -c;
                     never dials the upstream or binds a port. Exit 0 with a summary line, or 2 with
                     every problem on its own line with its code

Signals: SIGHUP re-reads the profile and the admin token file and reopens the audit log file;
SIGTERM/SIGINT stop accepting, drain open connections, exit.
Logs are JSON lines on standard error; one ready line per listener is printed on standard output.
`;

const OPTIONS = {
  config: { type: 'string' },
  listen: { type: 'string', multiple: true },
  upstream: { type: 'string' },
  ranges: { type: 'string' },
  admin: { type: 'string' },
  'token-file': { type: 'string' },
  'audit-log': { type: 'string' },
  check: { type: 'boolean' },
} as const;

async function configOf(values: NonNullable<ReturnType<typeof parseCommandArgs<typeof OPTIONS>>>['values']): Promise<GatewayConfig> {
  const short = values.listen !== undefined || values.upstream !== undefined || values.ranges !== undefined;
  if (values.config !== undefined) {
    if (short || values.admin !== undefined || values['token-file'] !== undefined) {
      throw new IpgateError('ERR_USAGE', 'ipgate serve: give either --config or the short form (--listen, --upstream, --ranges), not both');
    }
    return loadConfigFile(values.config);
  }
  if (values.listen === undefined || values.upstream === undefined || values.ranges === undefined) {
    throw new IpgateError('ERR_USAGE', "ipgate serve: give --config FILE, or --listen, --upstream and --ranges; see 'ipgate serve --help'");
  }
  return configFromFlags(
    {
      listen: values.listen,
      upstream: values.upstream,
      ranges: values.ranges,
      ...(values.admin === undefined ? {} : { admin: values.admin }),
      ...(values['token-file'] === undefined ? {} : { tokenFile: values['token-file'] }),
      ...(values['audit-log'] === undefined ? {} : { auditLog: values['audit-log'] }),
    },
    process.cwd(),
  );
}

/** `ipgate serve --check --config FILE`: every problem on its own line with its code (exit 2), or a summary (exit 0). */
async function check(values: NonNullable<ReturnType<typeof parseCommandArgs<typeof OPTIONS>>>['values']): Promise<number> {
  const short = values.listen !== undefined || values.upstream !== undefined || values.ranges !== undefined || values.admin !== undefined;
  if (values.config === undefined || short) {
    throw new IpgateError('ERR_USAGE', "ipgate serve --check: give the config to check with --config FILE (the short form is not checked); see 'ipgate serve --help'");
  }
  const { checkServeConfig } = await import('../../server/check.js');
  const result = await checkServeConfig(values.config);
  const line = (text: string): string => text.replace(/\s*\n\s*/g, ' ');
  for (const w of result.warnings) process.stderr.write(`ipgate: warning: ${line(w)}\n`);
  if (result.problems.length === 0) {
    process.stdout.write(`ipgate: ${result.summary}\n`);
    return 0;
  }
  for (const p of result.problems) {
    const suggestion = p.suggestion === undefined || p.message.includes(p.suggestion) ? '' : `; suggestion: ${p.suggestion}`;
    process.stderr.write(`ipgate: ${p.where}: ${line(p.message)}${line(suggestion)} (${p.code})\n`);
  }
  process.stderr.write(`ipgate: ${values.config}: ${result.problems.length} problem(s); nothing was started\n`);
  return 2;
}

/** How a listener admits sources, for its start-up line. */
function listenerMode(enforce: boolean, profileDisabled: boolean): string {
  if (!enforce) return 'not enforced';
  return profileDisabled ? 'not restricted: the profile is disabled, every source is allowed' : 'enforced';
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({ name: 'serve', help: HELP, options: OPTIONS, maxPositionals: 0 }, argv);
  if (parsed === undefined) return 0;
  if (parsed.values.check === true) return check(parsed.values);
  const config = await configOf(parsed.values);
  const log = jsonLogger();
  const gateway = await IpgateServer.start({ config, log, ...(parsed.values.config === undefined ? {} : { configFile: parsed.values.config }) });

  const current = gateway.state.current;
  const profile = current.compiled.profile;
  // An empty authorizedIpRanges admits every source (AKS semantics): never announce that as "enforced".
  const disabled = profile.authorizedIpRanges.length === 0;
  for (const l of gateway.listeners) {
    process.stdout.write(`ipgate: listener ${l.name} on ${l.address} (${listenerMode(l.enforce, disabled)}) -> upstream ${config.upstream.text}\n`);
    log('info', 'listening', { listener: l.name, address: l.address, enforce: l.enforce, restricted: l.enforce && !disabled, upstream: config.upstream.text });
  }
  if (gateway.adminAddress !== undefined) {
    process.stdout.write(`ipgate: admin API on http://${gateway.adminAddress}\n`);
    log('info', 'admin-listening', { address: gateway.adminAddress });
  }
  const summary = disabled
    ? `profile generation ${current.generation}: DISABLED, every source is allowed (authorizedIpRanges is empty); ${profile.egressIpRanges.length} egress`
    : `profile generation ${current.generation}: ${profile.authorizedIpRanges.length} authorized, ${profile.egressIpRanges.length} egress`;
  process.stdout.write(`ipgate: ready (${summary}; store ${gateway.description})\n`);
  if (disabled) {
    log('warn', 'profile-disabled', { generation: current.generation, problem: 'the profile in force has no authorizedIpRanges: every source is allowed' });
  }
  log('info', 'ready', { generation: current.generation, revision: current.revision, store: gateway.description, disabled });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log('info', 'stopping', { signal, open: gateway.openConnections, drainTimeoutMs: config.drainTimeoutMs });
      void gateway.stop(config.drainTimeoutMs).then(({ drained, closed }) => {
        log('info', 'stopped', { drained, closed });
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      void gateway.reload();
    });
  });
}
