/**
 * `ipgate context use|list|set`: the contexts file (./../contexts.ts), kubeconfig-style: each context names a
 * gateway's admin API (server, token file, CA, client certificate and key); the current one is used by every
 * command that talks to a gateway unless `--context NAME` (or IPGATE_CONTEXT) picks another, and flags and
 * their environment variables win over a context's settings.
 */
import { resolve } from 'node:path';
import { IpgateError } from '../../errors.js';
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { parseServerUrl, readClientToken } from '../client.js';
import { ERROR_EXITS, TABLE_OUTPUT } from '../common-options.js';
import { CONTEXT_NAME, contextsFile, readContexts, setContext, useContext } from '../contexts.js';
import type { GroupDef } from '../help.js';
import { runGroup } from '../group.js';
import { printResult } from '../output.js';
import { table } from './sources-server.js';
import { readFileSync } from 'node:fs';
import { describeFileError } from '../../fs/file-error.js';

const FILE_NOTE = `The contexts file is $IPGATE_CONFIG_HOME/config.yaml, else $XDG_CONFIG_HOME/ipgate/config.yaml,
else ~/.config/ipgate/config.yaml.`;

const SET_OPTIONS = [
  { name: 'server', type: 'string', value: 'URL', help: "the gateway's admin API, e.g. https://gw.example.com:9443" },
  { name: 'token-file', type: 'string', value: 'FILE', help: 'file holding the admin bearer token (stored as an absolute path)' },
  { name: 'cacert', type: 'string', value: 'FILE', help: "CA (PEM) that signed the admin API's certificate" },
  { name: 'cert', type: 'string', value: 'FILE', help: 'client certificate (PEM), with --key' },
  { name: 'key', type: 'string', value: 'FILE', help: 'key (PEM) of the client certificate' },
  { name: 'use', type: 'boolean', help: 'also make it the current context' },
] as const;

export const SET: CommandDef<typeof SET_OPTIONS> = {
  name: 'context set',
  summary: 'add a context, or change its settings',
  usage: ['NAME [--server URL] [--token-file FILE] [--cacert FILE] [--cert FILE --key FILE] [--use]'],
  description: `Adds context NAME to the contexts file, or changes the settings given of an existing one (the
others are kept). Files are stored as absolute paths and must be readable now. The first context of a
file becomes the current one; --use makes this one current.
${FILE_NOTE}`,
  options: SET_OPTIONS,
  examples: [
    'ipgate context set prod --server https://gw.example.com:9443 --token-file ~/prod.token --cacert ~/prod-ca.pem',
    'ipgate context set dev --server http://127.0.0.1:9090 --token-file admin.token --use',
  ],
  exitCodes: [[0, 'the context was written'], ...ERROR_EXITS],
  maxPositionals: 1,
};

export const USE: CommandDef<readonly []> = {
  name: 'context use',
  summary: 'make a context the current one',
  usage: ['NAME'],
  description: `Makes NAME the current context: the commands that talk to a gateway use it unless --context (or
IPGATE_CONTEXT) names another.
${FILE_NOTE}`,
  options: [],
  examples: ['ipgate context use prod'],
  exitCodes: [[0, 'NAME is the current context'], ...ERROR_EXITS],
  maxPositionals: 1,
};

export const LIST: CommandDef<readonly []> = {
  name: 'context list',
  summary: 'list the contexts (the current one marked)',
  usage: ['[-o table|json|yaml]'],
  description: `Lists the contexts of the contexts file: name, server, token file, CA; the current one is marked *.
JSON and YAML hold {file, currentContext, contexts: [{name, server, tokenFile, caFile, certFile, keyFile}]}.
${FILE_NOTE}`,
  options: [],
  output: TABLE_OUTPUT,
  examples: ['ipgate context list', 'ipgate context list -o json'],
  exitCodes: [[0, 'the list was shown'], ...ERROR_EXITS],
  maxPositionals: 0,
};

export const GROUP: GroupDef = {
  name: 'context',
  usage: ['use|list|set [options]'],
  description: `Named contexts, each a gateway's admin API (server, token file, CA, client certificate), so nobody
types --server and --token-file twice. Every command that talks to a gateway uses the current context,
or --context NAME (IPGATE_CONTEXT); its flags and IPGATE_SERVER / IPGATE_TOKEN_FILE win over the context.
${FILE_NOTE}`,
  commands: [
    { name: 'use', summary: USE.summary },
    { name: 'list', summary: LIST.summary },
    { name: 'set', summary: SET.summary },
  ],
  examples: ['ipgate context set prod --server https://gw.example.com:9443 --token-file prod.token --cacert ca.pem --use', 'ipgate context list', 'ipgate context use prod'],
  exitCodes: [[0, 'help was shown'], [2, 'no or an unknown subcommand']],
};

function nameOf(command: string, positionals: readonly string[]): string {
  const name = positionals[0];
  if (name === undefined) throw usageError(command, 'give the context name');
  if (!CONTEXT_NAME.test(name)) throw usageError(command, `"${name}" is not a context name (1-63 letters, digits, "_", ".", "@", ":" or "-")`, name);
  return name;
}

function readable(path: string, flag: string): string {
  const absolute = resolve(path);
  try {
    readFileSync(absolute);
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `cannot read ${flag} "${path}" (${describeFileError(error)})`, { input: path });
  }
  return absolute;
}

async function runSet(argv: string[]): Promise<number> {
  const parsed = parseCommand(SET, argv);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const name = nameOf('context set', parsed.positionals);
  if ((values.cert === undefined) !== (values.key === undefined)) throw usageError('context set', '--cert and --key go together');
  const server = values.server === undefined ? undefined : parseServerUrl(values.server);
  const tokenFile = values['token-file'] === undefined ? undefined : resolve(values['token-file']);
  if (tokenFile !== undefined) readClientToken(tokenFile);
  const fields = {
    ...(server === undefined ? {} : { server }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(values.cacert === undefined ? {} : { caFile: readable(values.cacert, '--cacert') }),
    ...(values.cert === undefined ? {} : { certFile: readable(values.cert, '--cert') }),
    ...(values.key === undefined ? {} : { keyFile: readable(values.key, '--key') }),
  };
  const file = contextsFile();
  const existing = readContexts(file)?.contexts.find((c) => c.name === name);
  const merged = { ...existing, ...fields };
  if (merged.server !== undefined && !merged.server.startsWith('https://') && (merged.caFile !== undefined || merged.certFile !== undefined)) {
    throw usageError('context set', `the CA and client certificate are for an https:// admin API, but the server is ${merged.server}`, merged.server);
  }
  if (existing === undefined && server === undefined) throw usageError('context set', `a new context needs --server URL`);
  const { created } = await setContext(file, name, fields, values.use === true);
  process.stdout.write(`context "${name}" ${created ? 'added to' : 'changed in'} ${file}${values.use === true ? '; it is the current context' : ''}\n`);
  return 0;
}

async function runUse(argv: string[]): Promise<number> {
  const parsed = parseCommand(USE, argv);
  if (parsed === undefined) return 0;
  const name = nameOf('context use', parsed.positionals);
  const file = contextsFile();
  await useContext(file, name);
  process.stdout.write(`the current context is "${name}" (${file})\n`);
  return 0;
}

function runList(argv: string[]): number {
  const parsed = parseCommand(LIST, argv);
  if (parsed === undefined) return 0;
  const file = contextsFile();
  const contexts = readContexts(file);
  const data = { file, currentContext: contexts?.current ?? null, contexts: contexts?.contexts ?? [] };
  printResult(parsed.output, data, {
    table: () => {
      if (data.contexts.length === 0) return `No contexts in ${file}; add one with 'ipgate context set NAME --server URL --token-file FILE'.\n`;
      return table([
        ['CURRENT', 'NAME', 'SERVER', 'TOKEN FILE', 'CA'],
        ...data.contexts.map((c) => [c.name === data.currentContext ? '*' : '', c.name, c.server ?? '-', c.tokenFile ?? '-', c.caFile ?? '-']),
      ]);
    },
  });
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runGroup(GROUP, argv, { set: runSet, use: runUse, list: runList });
}
