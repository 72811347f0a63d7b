/** How the CLI reports errors: user mistakes as one clear line with their code, never a stack trace. */
import { stringify } from 'yaml';
import { CodedError, IpgateError } from '../errors.js';

/** Exit code for bad input or usage. */
export const EXIT_USAGE = 2;

export function reportError(error: unknown): number {
  if (error instanceof CodedError) {
    const hint = error.suggestion === undefined ? '' : `\n  suggestion: ${error.suggestion}`;
    // The code goes on the first line, so a multi-line message still starts with what it is.
    const newline = error.message.indexOf('\n');
    const first = newline < 0 ? error.message : error.message.slice(0, newline);
    const rest = newline < 0 ? '' : error.message.slice(newline);
    process.stderr.write(`ipgate: ${first} (${error.code})${rest}${hint}\n`);
    return EXIT_USAGE;
  }
  // Not a user mistake: an internal failure, shown in full so it can be reported.
  process.stderr.write(`ipgate: internal error (ERR_INTERNAL): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type OutputFormat = 'text' | 'json' | 'yaml';

/** The value of `-o/--output` of the commands that print text, JSON or YAML. */
export function formatOf(value: string | undefined): OutputFormat {
  const format = value ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'yaml') {
    throw new IpgateError('ERR_USAGE', `--output "${format}" must be text, json or yaml`, { input: format });
  }
  return format;
}

export function writeFormatted(value: unknown, format: 'json' | 'yaml'): void {
  if (format === 'json') writeJson(value);
  else process.stdout.write(stringify(value));
}
