/**
 * Help pages, rendered from the same tables the parser reads (./args.ts), so every page has one layout:
 * usage, description, [commands,] options, examples, exit codes. Environment fallbacks and defaults are
 * shown on each option's line.
 */
import { allOptions, HELP_OPTION, type CommandDef, type OptionDef } from './command-table.js';

/** A command with subcommands (`ipgate`, `ipgate ranges`, `ipgate sources`). */
export interface GroupDef {
  /** The words after `ipgate` ('' for ipgate itself). */
  readonly name: string;
  readonly usage: readonly string[];
  readonly description: string;
  readonly commands: readonly { readonly name: string; readonly summary: string }[];
  readonly options?: readonly OptionDef[];
  readonly examples: readonly string[];
  readonly exitCodes: readonly (readonly [code: number, meaning: string])[];
}

const MAX_LABEL = 26;

function label(o: OptionDef): string {
  return `${o.short === undefined ? '    ' : `-${o.short}, `}--${o.name}${o.value === undefined ? '' : ` ${o.value}`}`;
}

function optionLines(options: readonly OptionDef[]): string[] {
  const width = Math.min(MAX_LABEL, Math.max(...options.map((o) => label(o).length)));
  const out: string[] = [];
  for (const o of options) {
    const notes = [...(o.default === undefined ? [] : [`[default: ${o.default}]`]), ...(o.env === undefined ? [] : [`[env: ${o.env}]`])];
    // The notes go on the option's first line, where a reader (and grep) finds the option.
    const [firstLine = '', ...more] = o.help.split('\n');
    const text = [`${firstLine}${notes.length === 0 ? '' : ` ${notes.join(' ')}`}`, ...more];
    const head = label(o);
    const pad = ' '.repeat(width + 4);
    if (head.length > width) {
      out.push(`  ${head}`);
      for (const line of text) out.push(`${pad}${line}`);
    } else {
      text.forEach((line, i) => out.push(i === 0 ? `  ${head.padEnd(width)}  ${line}` : `${pad}${line}`));
    }
  }
  return out;
}

function usageLines(name: string, usage: readonly string[]): string[] {
  const prefix = `ipgate${name === '' ? '' : ` ${name}`}`;
  return usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}${prefix}${u === '' ? '' : ` ${u}`}`);
}

function tail(examples: readonly string[], exitCodes: GroupDef['exitCodes']): string[] {
  return [
    '',
    'Examples:',
    ...examples.map((e) => `  ${e}`),
    '',
    'Exit codes:',
    ...exitCodes.map(([code, meaning]) => `  ${String(code).padStart(2)}  ${meaning}`),
  ];
}

export function renderCommandHelp(def: CommandDef): string {
  const lines = [
    ...usageLines(def.name, def.usage),
    '',
    def.description.trimEnd(),
    '',
    'Options:',
    ...optionLines(allOptions(def)),
    ...tail(def.examples, def.exitCodes),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderGroupHelp(def: GroupDef): string {
  const width = Math.max(...def.commands.map((c) => c.name.length));
  const lines = [
    ...usageLines(def.name, def.usage),
    '',
    def.description.trimEnd(),
    '',
    'Commands:',
    ...def.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines([...(def.options ?? []), HELP_OPTION]),
    ...tail(def.examples, def.exitCodes),
  ];
  return `${lines.join('\n')}\n`;
}
