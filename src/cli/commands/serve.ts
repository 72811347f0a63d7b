/** `ipgate serve`: run the gateway from a config file or from the short command-line form. */
import { parseCommand, usageError, type CommandDef, type Parsed } from '../args.js';
import { configFromFlags, loadConfigFile } from '../../config/load.js';
import type { GatewayConfig } from '../../config/types.js';
import { isLogLevel, jsonLogger, LOG_LEVELS, type LogLevel } from '../../runtime/log.js';

const OPTIONS = [
  { name: 'config', type: 'string', value: 'FILE', env: 'IPGATE_CONFIG', help: 'YAML config (see examples/ipgate.yaml)\nIPGATE_CONFIG is ignored when the short form (--listen, --upstream, --ranges) is given' },
  { name: 'listen', type: 'string', multiple: true, value: 'ADDR', help: 'listen address, host:port or [v6]:port (repeatable; short form)' },
  { name: 'upstream', type: 'string', value: 'ADDR', help: 'the API server, host:port (short form)' },
  { name: 'ranges', type: 'string', value: 'FILE', help: 'authorized ranges, one a line; the file is the store, watched for edits\n(short form)' },
  { name: 'admin', type: 'string', value: 'ADDR', help: 'admin API address (short form; needs --token-file)' },
  { name: 'token-file', type: 'string', value: 'FILE', help: 'file holding the admin bearer token (short form)' },
  { name: 'audit-log', type: 'string', value: 'DEST', default: '-', help: 'audit log: - (standard error), off, or a file (short form)' },
  { name: 'log-level', type: 'string', value: 'LEVEL', env: 'IPGATE_LOG_LEVEL', default: 'info', help: `operational log lines at this level and above: ${LOG_LEVELS.join(', ')}` },
  { name: 'check', type: 'boolean', help: 'check the config and exit, as nginx -t: the config, the admin token and etcd TLS\nfiles, the store (reachable, a valid profile) and, with HAProxy managed, haproxy -c;\nnever dials the upstream or binds a port' },
] as const;

export const COMMAND: CommandDef<typeof OPTIONS> = {
  name: 'serve',
  summary: 'run the gateway',
  usage: ['--config FILE [--log-level LEVEL]', '--listen ADDR --upstream ADDR --ranges FILE [--admin ADDR --token-file FILE] [--audit-log DEST]', '--check --config FILE'],
  description: `Run the gateway: accept connections where clients expect the API server, refuse every source the profile
does not authorize before dialing the upstream, and pass authorized connections through untouched.
Signals: SIGHUP re-reads the profile, the admin token (or tokens) file and TLS files, and reopens the
audit log file;
SIGTERM/SIGINT stop accepting, drain open connections, exit.
Operational logs are JSON lines on standard error ({"time","level","event",...}); one line per listener,
the admin API and "ipgate: ready" are printed on standard output.`,
  options: OPTIONS,
  examples: [
    'ipgate serve --config /etc/ipgate/ipgate.yaml',
    'ipgate serve --check --config /etc/ipgate/ipgate.yaml',
    'IPGATE_CONFIG=/etc/ipgate/ipgate.yaml IPGATE_LOG_LEVEL=warn ipgate serve',
    'ipgate serve --listen 127.0.0.1:6443 --upstream 127.0.0.1:8443 --ranges allow.txt --admin 127.0.0.1:9090 --token-file admin.token',
  ],
  exitCodes: [
    [0, 'stopped by SIGTERM or SIGINT after draining; with --check: the config is good (one summary line)'],
    [2, 'bad config, ranges, token file or usage, or a listen address that cannot be bound (nothing was started)'],
    [2, 'with --check: every problem found, each on its own line with its code'],
    [70, 'internal error'],
  ],
  maxPositionals: 0,
};

async function configOf(parsed: Parsed<typeof OPTIONS>): Promise<{ config: GatewayConfig; file?: string }> {
  const { values } = parsed;
  const short = values.listen !== undefined || values.upstream !== undefined || values.ranges !== undefined;
  // IPGATE_CONFIG is a default for --config: the short form given on the command line wins over it.
  const configFile = short && parsed.fromEnv.has('config') ? undefined : values.config;
  if (configFile !== undefined) {
    if (short || values.admin !== undefined || values['token-file'] !== undefined) {
      throw usageError('serve', 'give either --config or the short form (--listen, --upstream, --ranges), not both');
    }
    return { config: await loadConfigFile(configFile), file: configFile };
  }
  if (values.listen === undefined || values.upstream === undefined || values.ranges === undefined) {
    throw usageError('serve', 'give --config FILE (or set IPGATE_CONFIG), or --listen, --upstream and --ranges');
  }
  const config = configFromFlags(
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
  return { config };
}

function logLevelOf(parsed: Parsed<typeof OPTIONS>): LogLevel {
  const level = parsed.values['log-level'] ?? 'info';
  if (isLogLevel(level)) return level;
  const from = parsed.fromEnv.has('log-level') ? 'IPGATE_LOG_LEVEL' : '--log-level';
  throw usageError('serve', `${from} must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level)}`, level);
}

/** `ipgate serve --check --config FILE`: every problem on its own line with its code (exit 2), or a summary (exit 0). */
async function check(parsed: Parsed<typeof OPTIONS>): Promise<number> {
  const { values } = parsed;
  const short = values.listen !== undefined || values.upstream !== undefined || values.ranges !== undefined || values.admin !== undefined;
  if (values.config === undefined || short) {
    throw usageError('serve', '--check: give the config to check with --config FILE (or set IPGATE_CONFIG); the short form is not checked');
  }
  // Loaded only to check: `serve --help` and usage errors stay quick.
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
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  if (parsed.values.check === true) return check(parsed);
  const level = logLevelOf(parsed);
  const { config, file } = await configOf(parsed);
  const log = jsonLogger({ level });
  // Loaded only to run (the gateway's dependencies are large): `serve --help` and usage errors stay quick.
  const { IpgateServer } = await import('../../server/server.js');
  const gateway = await IpgateServer.start({ config, log, ...(file === undefined ? {} : { configFile: file }) });

  const current = gateway.state.current;
  const profile = current.compiled.profile;
  // An empty authorizedIpRanges admits every source (AKS semantics): never announce that as "enforced".
  const disabled = profile.authorizedIpRanges.length === 0;
  // With nftables nothing listens: the kernel filters packets to the service's own address.
  const kernel = config.dataplane?.type === 'nftables';
  const target = kernel ? 'kernel rules (nftables), no proxy' : `upstream ${config.upstream?.text ?? '?'}`;
  for (const l of gateway.listeners) {
    process.stdout.write(`ipgate: listener ${l.name} on ${l.address} (${listenerMode(l.enforce, disabled)}) -> ${target}\n`);
    log('info', 'listening', { listener: l.name, address: l.address, enforce: l.enforce, restricted: l.enforce && !disabled, ...(kernel ? { dataplane: 'nftables' } : { upstream: config.upstream?.text }) });
  }
  if (gateway.adminAddress !== undefined) {
    process.stdout.write(`ipgate: admin API on ${gateway.adminScheme}://${gateway.adminAddress}\n`);
    log('info', 'admin-listening', { address: gateway.adminAddress, tls: gateway.adminScheme === 'https' });
  }
  if (gateway.metricsAddress !== undefined) {
    process.stdout.write(`ipgate: metrics on http://${gateway.metricsAddress}\n`);
    log('info', 'metrics-listening', { address: gateway.metricsAddress });
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
