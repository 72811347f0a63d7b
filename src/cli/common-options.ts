/**
 * Option rows shared by several commands' tables: how to reach a gateway's admin API, and the output forms
 * of the commands that print a table. Kept in one place so every command words them the same.
 */
import type { OptionDef, OutputDef } from './command-table.js';

/** How to reach a gateway's admin API (also from a context): every command that talks to a running gateway. */
export const CONNECTION_OPTIONS = [
  { name: 'server', type: 'string', value: 'URL', env: 'IPGATE_SERVER', help: "the gateway's admin API, e.g. https://127.0.0.1:9443 (a bare host:port means http://)" },
  { name: 'token-file', type: 'string', value: 'FILE', env: 'IPGATE_TOKEN_FILE', help: 'file holding the admin bearer token' },
  { name: 'context', type: 'string', value: 'NAME', env: 'IPGATE_CONTEXT', help: "a context of the contexts file ('ipgate context list'); default: its current context\nflags and their variables win over the context's settings" },
  { name: 'cacert', type: 'string', value: 'FILE', help: "CA (PEM) that signed the admin API's certificate (https://)" },
  { name: 'cert', type: 'string', value: 'FILE', help: 'client certificate (PEM), for an admin API that requires one (with --key)' },
  { name: 'key', type: 'string', value: 'FILE', help: 'key (PEM) of the client certificate' },
] as const satisfies readonly OptionDef[];

/** The connection options and `--timeout`: every command that talks to a running gateway. */
export const SERVER_OPTIONS = [
  ...CONNECTION_OPTIONS,
  { name: 'timeout', type: 'string', value: 'SECONDS', default: '10', help: 'give up after this long' },
] as const satisfies readonly OptionDef[];

export const TABLE_OUTPUT: OutputDef = { human: 'table', forms: ['table', 'json', 'yaml'] };

/** Exit codes every command shares, after its own. */
export const ERROR_EXITS = [
  [2, 'bad input or usage, or an error the gateway or a file reported (one line with its error code)'],
  [70, 'internal error (a bug: the message and stack are printed so it can be reported)'],
] as const;
