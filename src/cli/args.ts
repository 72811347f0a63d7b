/**
 * One table per command drives both the parsing and the `--help` page, so the two cannot drift apart and
 * every page has the same layout (usage, description, options, examples, exit codes). Parsing is node's
 * `util.parseArgs` (strict: an unknown flag is an error), plus what every command shares: `-h`/`--help`,
 * `-o`/`--output` with its older spellings kept as aliases, and environment fallbacks named in the table
 * (a flag given on the command line wins over its environment variable).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { IpgateError } from '../errors.js';
import { allOptions, type CommandDef, type OptionDef } from './command-table.js';
import { renderCommandHelp } from './help.js';

export type { CommandDef, OptionDef, OutputDef } from './command-table.js';

type ValueOf<D extends OptionDef> = D['type'] extends 'boolean' ? boolean : D['multiple'] extends true ? string[] : string;

export type Values<O extends readonly OptionDef[]> = { readonly [D in O[number] as D['name']]?: ValueOf<D> };

export interface Parsed<O extends readonly OptionDef[]> {
  readonly values: Values<O>;
  readonly positionals: string[];
  /** The output form chosen (the human one when none was asked for); '' for commands without `-o`. */
  readonly output: string;
  /** Options whose value came from the environment. */
  readonly fromEnv: ReadonlySet<string>;
}

/** A usage mistake of `ipgate NAME`: one line naming the command and where its help is. */
export function usageError(command: string, message: string, input?: string): IpgateError {
  return new IpgateError('ERR_USAGE', `${command}: ${message}; see 'ipgate ${command} --help'`, input === undefined ? {} : { input });
}

/** Whether argv asks for help (`-h` or `--help` before a `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

function chooseOutput(def: CommandDef, values: Record<string, unknown>): string {
  const output = def.output;
  if (output === undefined) return '';
  const asked: [string, string][] = [];
  if (typeof values['output'] === 'string') asked.push(['-o', values['output']]);
  if (values['json'] === true) asked.push(['--json', 'json']);
  if (typeof values['format'] === 'string') asked.push(['--format', values['format']]);
  const first = asked[0];
  if (first === undefined) return output.human;
  const other = asked.find(([, form]) => form !== first[1]);
  if (other !== undefined) {
    throw usageError(def.name, `${first[0]} ${first[1]} and ${other[0]}${other[0] === '--json' ? '' : ` ${other[1]}`} ask for different output formats; give one`);
  }
  if (!output.forms.includes(first[1])) {
    throw usageError(def.name, `unknown output format "${first[1]}"; expected ${output.forms.join(', ')}`, first[1]);
  }
  return first[1];
}

/**
 * Parses argv by the command's table. Returns undefined after printing the help page when `-h`/`--help` was
 * given; throws ERR_USAGE for an unknown flag, a missing value, too many arguments or a bad output format.
 */
export function parseCommand<O extends readonly OptionDef[]>(def: CommandDef<O>, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Parsed<O> | undefined {
  if (wantsHelp(argv)) {
    process.stdout.write(renderCommandHelp(def));
    return undefined;
  }
  const rows = allOptions(def);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of rows) {
    options[o.name] = { type: o.type, ...(o.short === undefined ? {} : { short: o.short }), ...(o.multiple === true ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    throw unknown === undefined ? usageError(def.name, message.replace(/\.$/, '')) : usageError(def.name, `unknown option ${unknown}`, unknown);
  }
  if (parsed.positionals.length > def.maxPositionals) {
    const extra = parsed.positionals[def.maxPositionals] ?? '';
    throw usageError(def.name, `unexpected argument "${extra}"`, extra);
  }
  const values: Record<string, unknown> = { ...parsed.values };
  const fromEnv = new Set<string>();
  for (const o of rows) {
    if (o.env === undefined || values[o.name] !== undefined) continue;
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    values[o.name] = o.multiple === true ? [value] : value;
    fromEnv.add(o.name);
  }
  return { values: values as Values<O>, positionals: parsed.positionals, output: chooseOutput(def, values), fromEnv };
}
