/**
 * `ipgate ...` command lines written in the docs and the deployment artifacts, checked against the CLI's own
 * option tables (the tables `--help` and the parser are made from): the command and subcommand exist, every
 * flag is one of the command's options, string options have a value, `-o` names one of the command's output
 * forms, and there are no more arguments than the command takes. Synopsis notation is understood
 * (`[--max N]`, `show|sync`, `-o table|json|yaml`, `...`), so usage lines in prose are checked too.
 */
import { allOptions, type CommandDef, type OptionDef } from '../../src/cli/command-table.js';
import type { GroupDef } from '../../src/cli/help.js';
import { usage } from '../../src/cli/main.js';
import * as check from '../../src/cli/commands/check.js';
import * as condense from '../../src/cli/commands/condense.js';
import * as context from '../../src/cli/commands/context.js';
import * as explain from '../../src/cli/commands/explain.js';
import * as exportCommand from '../../src/cli/commands/export.js';
import * as history from '../../src/cli/commands/history.js';
import * as importCommand from '../../src/cli/commands/import.js';
import * as merge from '../../src/cli/commands/merge.js';
import * as nft from '../../src/cli/commands/nft.js';
import * as plan from '../../src/cli/commands/plan.js';
import * as ranges from '../../src/cli/commands/ranges.js';
import * as rangesServer from '../../src/cli/commands/ranges-server.js';
import * as rangesValidate from '../../src/cli/commands/ranges-validate.js';
import * as refusals from '../../src/cli/commands/refusals.js';
import * as serve from '../../src/cli/commands/serve.js';
import * as sources from '../../src/cli/commands/sources.js';
import * as status from '../../src/cli/commands/status.js';
import * as version from '../../src/cli/commands/version.js';
import * as whoami from '../../src/cli/commands/whoami.js';

/** Every command's table, by the words after `ipgate`. */
export const TABLES: ReadonlyMap<string, CommandDef> = new Map<string, CommandDef>([
  ['check', check.COMMAND],
  ['condense', condense.COMMAND],
  ['context list', context.LIST],
  ['context set', context.SET],
  ['context use', context.USE],
  ['explain', explain.COMMAND],
  ['export', exportCommand.COMMAND],
  ['history', history.COMMAND],
  ['import', importCommand.COMMAND],
  ['merge', merge.COMMAND],
  ['nft remove', nft.REMOVE],
  ['plan', plan.COMMAND],
  ['ranges validate', rangesValidate.COMMAND],
  ...Object.values(rangesServer.COMMANDS).map((c): [string, CommandDef] => [c.name, c]),
  ['refusals', refusals.COMMAND],
  ['serve', serve.COMMAND],
  ['sources show', sources.SHOW],
  ['sources sync', sources.SYNC],
  ['status', status.COMMAND],
  ['version', version.COMMAND],
  ['whoami', whoami.COMMAND],
]);

export const GROUPS: ReadonlyMap<string, GroupDef> = new Map([
  ['context', context.GROUP],
  ['nft', nft.GROUP],
  ['ranges', ranges.GROUP],
  ['sources', sources.GROUP],
]);

/** The top-level commands as `ipgate --help` lists them. */
export function topLevelCommands(): string[] {
  const lines = usage().split('\n');
  const out: string[] = [];
  for (const line of lines.slice(lines.indexOf('Commands:') + 1)) {
    const m = /^ {2}(\S+) {2,}/.exec(line);
    if (m === null) break;
    out.push(m[1] ?? '');
  }
  return out;
}

const TOP_FLAGS = new Set(['--help', '-h', '--version']);

/** Shell-like words: quotes group, a `#` at a word's start ends the line. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    const plain = m[3];
    if (plain?.startsWith('#') === true) break;
    words.push(m[1] ?? m[2] ?? plain ?? '');
  }
  return words;
}

/** Splits a shell line into its simple commands (`a && b`, `a | b`, `a; b`), as words. */
function simpleCommands(line: string): string[][] {
  return line.split(/\s(?:&&|\|\||\||;)\s|;\s*$|;\s/).map(shellWords);
}

/** The words after `ipgate` (or `node bin/ipgate.js`) of a simple command, or undefined when it is not one. */
function ipgateArgs(words: readonly string[]): string[] | undefined {
  let i = 0;
  while (i < words.length && (/^[A-Z_][A-Z0-9_]*=/.test(words[i] ?? '') || ['sudo', 'exec', 'env', 'node', '$'].includes(words[i] ?? ''))) i++;
  if (!/^(\S*\/)?ipgate(\.js)?$/.test(words[i] ?? '')) return undefined;
  const args: string[] = [];
  for (const w of words.slice(i + 1)) {
    if (/^(\d?>|<|>>|2>&1)/.test(w)) break;
    args.push(w);
  }
  return args;
}

/**
 * The `ipgate` invocations of a block (continuation lines joined; `$ ` prompts dropped). `shell`: every line
 * is a command; `console`: the lines after a `$ ` prompt; `text`: only lines that start with `ipgate ` or
 * `$ ` (the rest is output, diagrams, configs).
 */
export function shellInvocations(text: string, kind: 'shell' | 'console' | 'text' = 'shell'): string[][] {
  const out: string[][] = [];
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    if (kind === 'console' && !raw.startsWith('$ ')) continue;
    if (kind === 'text' && !/^(\$ |ipgate )/.test(raw)) continue;
    const line = raw.replace(/^\$ /, '');
    for (const words of simpleCommands(line)) {
      const args = ipgateArgs(words);
      if (args !== undefined) out.push(args);
    }
  }
  return out;
}

/** Synopsis notation off a word: `[--max` -> `--max`, `N]` -> `N`. */
function bare(word: string): string {
  return word.replace(/^\[+/, '').replace(/\]+$/, '');
}

function findOption(def: CommandDef, flag: string): OptionDef | undefined {
  const rows = allOptions(def);
  return flag.startsWith('--') ? rows.find((o) => o.name === flag.slice(2)) : rows.find((o) => o.short !== undefined && `-${o.short}` === flag);
}

/** Problems of `ipgate ARGS` against the tables ([] when it is right). `prose`: a value may be left out at the end. */
export function commandProblems(args: readonly string[], options: { prose?: boolean } = {}): string[] {
  const words = args.map(bare).filter((w) => w !== '' && w !== '...' && w !== '…');
  const first = words[0];
  if (first === undefined) return [];
  if (first.startsWith('-')) return TOP_FLAGS.has(first) ? [] : [`ipgate has no option ${first}`];
  // Not a command line: `ipgate <command>`, `ipgate X.Y.Z` (output), `ipgate: ...` (a message).
  if (!/^[a-z][a-z|-]*$/.test(first)) return [];
  const problems: string[] = [];
  const top = topLevelCommands();
  for (const name of first.split('|')) {
    if (!top.includes(name)) {
      problems.push(`ipgate has no command "${name}"`);
      continue;
    }
    const group = GROUPS.get(name);
    if (group === undefined) {
      problems.push(...argProblems(TABLES.get(name), name, words.slice(1), options.prose === true));
      continue;
    }
    const sub = words[1];
    if (sub === undefined || TOP_FLAGS.has(sub) && sub !== '--version') continue;
    if (sub.startsWith('-')) {
      problems.push(`'ipgate ${name}' takes a subcommand (${group.commands.map((c) => c.name).join(', ')}) before ${sub}`);
      continue;
    }
    for (const s of sub.split('|')) {
      if (!group.commands.some((c) => c.name === s)) problems.push(`'ipgate ${name}' has no subcommand "${s}"`);
      else problems.push(...argProblems(TABLES.get(`${name} ${s}`), `${name} ${s}`, words.slice(2), options.prose === true));
    }
  }
  return problems;
}

function argProblems(def: CommandDef | undefined, name: string, words: readonly string[], prose: boolean): string[] {
  if (def === undefined) return [`no option table for 'ipgate ${name}'`];
  const problems: string[] = [];
  let positionals = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!/^--?[a-z]/.test(word)) {
      positionals++;
      continue;
    }
    const eq = word.indexOf('=');
    const flag = eq < 0 ? word : word.slice(0, eq);
    const option = findOption(def, flag);
    if (option === undefined) {
      problems.push(`'ipgate ${name}' has no option ${flag}`);
      continue;
    }
    if (option.type === 'boolean') {
      if (eq >= 0) problems.push(`'ipgate ${name}': ${flag} takes no value`);
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : word.slice(eq + 1);
    if (value === undefined) {
      const next = words[i + 1];
      if (next !== undefined && !/^--?[a-z]/.test(next)) {
        value = next;
        i++;
      } else if (!prose || next !== undefined) {
        problems.push(`'ipgate ${name}': ${flag} needs a value`);
      }
    }
    if (value !== undefined && (option.name === 'output' || option.name === 'format') && def.output !== undefined && /^[a-z|]+$/.test(value)) {
      for (const form of value.split('|')) {
        if (!def.output.forms.includes(form)) problems.push(`'ipgate ${name}': no output form "${form}" (forms: ${def.output.forms.join(', ')})`);
      }
    }
  }
  if (positionals > def.maxPositionals) problems.push(`'ipgate ${name}' takes at most ${def.maxPositionals} argument(s), given ${positionals}`);
  return problems;
}
