/**
 * The shape of a command's table (read by the parser in ./args.ts and the help pages in ./help.ts), and the
 * rows every command shares: `-o, --output` with its older spellings, and `-h, --help`.
 */

export interface OptionDef {
  /** The long flag without dashes, e.g. `token-file`. */
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Placeholder of the value in help, e.g. `FILE`. */
  readonly value?: string;
  /** What it does; may span lines. */
  readonly help: string;
  /** Environment variable read when the flag is not given. */
  readonly env?: string;
  /** Default shown in help (the command applies it). */
  readonly default?: string;
}

/** The output formats of a command that prints results: `-o, --output FORMAT`. */
export interface OutputDef {
  /** The human form, printed by default (`table`, `text` or `lines`). */
  readonly human: string;
  /** Every accepted form, the human one first; `json` and `yaml` are always among them. */
  readonly forms: readonly string[];
  /** Extra help lines about the forms. */
  readonly help?: string;
  /** Older spellings still accepted: `--json` (= `-o json`) and `--format F` (= `-o F`). */
  readonly aliases?: readonly ('json' | 'format')[];
}

export interface CommandDef<O extends readonly OptionDef[] = readonly OptionDef[]> {
  /** The words after `ipgate`, e.g. `ranges add`. */
  readonly name: string;
  /** One line, for the command list of `ipgate --help` or of a group. */
  readonly summary: string;
  /** Usage lines, each after `ipgate NAME `. */
  readonly usage: readonly string[];
  readonly description: string;
  readonly options: O;
  readonly output?: OutputDef;
  readonly examples: readonly string[];
  readonly exitCodes: readonly (readonly [code: number, meaning: string])[];
  /** Largest number of positional arguments accepted. */
  readonly maxPositionals: number;
}

export const HELP_OPTION: OptionDef = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' };

/** The `-o, --output` option of a command, and its aliases, as table rows (for the parser and the help page). */
export function outputOptions(output: OutputDef): OptionDef[] {
  const forms = output.forms.map((f) => (f === output.human ? `${f} (default)` : f));
  const list = forms.length === 2 ? forms.join(' or ') : `${forms.slice(0, -1).join(', ')} or ${forms.at(-1) ?? ''}`;
  const rows: OptionDef[] = [
    { name: 'output', short: 'o', type: 'string', value: 'FORMAT', help: `${list}${output.help === undefined ? '' : `\n${output.help}`}` },
  ];
  if (output.aliases?.includes('json')) rows.push({ name: 'json', type: 'boolean', help: 'alias of -o json (kept for existing scripts)' });
  if (output.aliases?.includes('format')) rows.push({ name: 'format', type: 'string', value: 'FORMAT', help: 'alias of -o FORMAT (kept for existing scripts)' });
  return rows;
}

/** Every row of a command's table, in help order: its own options, then `-o` and aliases, then `-h`. */
export function allOptions(def: CommandDef): OptionDef[] {
  return [...def.options, ...(def.output === undefined ? [] : outputOptions(def.output)), HELP_OPTION];
}

