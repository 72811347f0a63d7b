/**
 * How the CLI prints: results in the form `-o` chose (JSON and YAML hold the same data; the human forms are
 * the command's own), and errors as one clear line with their code, starting with `ipgate: ` once, never a
 * stack trace for a user mistake.
 */
import { stringify } from 'yaml';
import { CodedError } from '../errors.js';

/** Exit code for bad input or usage. */
export const EXIT_USAGE = 2;
/** Exit code for an internal failure (a bug), as sysexits' EX_SOFTWARE. */
export const EXIT_INTERNAL = 70;

/** A message that already names the program (`ipgate serve: ...`) is printed without repeating it. */
function withoutProgramName(message: string): string {
  return message.replace(/^ipgate(?::\s*|\s+(?=[a-z]+(?: [a-z]+)?:))/, '');
}

export function reportError(error: unknown): number {
  if (error instanceof CodedError) {
    const hint = error.suggestion === undefined ? '' : `\n  suggestion: ${error.suggestion}`;
    // The code goes on the first line, so a multi-line message still starts with what it is.
    const message = withoutProgramName(error.message);
    const newline = message.indexOf('\n');
    const first = newline < 0 ? message : message.slice(0, newline);
    const rest = newline < 0 ? '' : message.slice(newline);
    process.stderr.write(`ipgate: ${first} (${error.code})${rest}${hint}\n`);
    return EXIT_USAGE;
  }
  // Not a user mistake: an internal failure, shown in full so it can be reported.
  process.stderr.write(`ipgate: internal error (ERR_INTERNAL): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_INTERNAL;
}

/** JSON, indented, where bigints are written as exact integers (JSON allows any size; IPv6 counts exceed 2^53). */
export function jsonText(value: unknown): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v), 2);
  return `${text.replace(/"\\u0000bigint:(\d+)"/g, '$1')}\n`;
}

/** The same data as YAML (bigints as integers, keys without a value left out, as in JSON). */
export function yamlText(value: unknown): string {
  return stringify(value);
}

export function writeJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

/**
 * Prints a command's result: `json` and `yaml` print `data`; any other form is the command's own rendering.
 * `human` maps each of the command's own forms to its text.
 */
export function printResult(output: string, data: unknown, human: Readonly<Record<string, () => string>>): void {
  if (output === 'json') process.stdout.write(jsonText(data));
  else if (output === 'yaml') process.stdout.write(yamlText(data));
  else {
    const render = human[output];
    if (render === undefined) throw new Error(`no rendering for output form ${output}`);
    process.stdout.write(render());
  }
}
