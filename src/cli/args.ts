/**
 * Flag parsing for every command, on node:util parseArgs (strict: unknown flags are errors). A command
 * declares its options and help text; `--help` prints the help and `parseCommandArgs` returns undefined.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { IpgateError } from '../errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends OptionSpec> {
  readonly name: string;
  readonly help: string;
  readonly options: O;
  /** Largest number of positional arguments accepted. */
  readonly maxPositionals: number;
}

export interface ParsedCommand<O extends OptionSpec> {
  readonly values: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>['values'];
  readonly positionals: string[];
}

export function parseCommandArgs<O extends OptionSpec>(spec: CommandSpec<O>, argv: string[]): ParsedCommand<O> | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(spec.help.endsWith('\n') ? spec.help : `${spec.help}\n`);
    return undefined;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new IpgateError('ERR_USAGE', `ipgate ${spec.name}: ${message}; see 'ipgate ${spec.name} --help'`);
  }
  if (parsed.positionals.length > spec.maxPositionals) {
    throw new IpgateError('ERR_USAGE', `ipgate ${spec.name}: unexpected argument "${parsed.positionals[spec.maxPositionals] ?? ''}"; see 'ipgate ${spec.name} --help'`, {
      input: parsed.positionals[spec.maxPositionals] ?? '',
    });
  }
  return { values: parsed.values, positionals: parsed.positionals };
}
