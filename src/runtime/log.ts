/** Operational log: one JSON object a line on standard error. */
export type LogLevel = 'info' | 'warn' | 'error';

/** A field's value: JSON scalars, lists of strings, or lists of entries (a string, or an entry with its note). */
export type LogValue = string | number | boolean | null | undefined | readonly (string | Readonly<Record<string, string>>)[];

export type LogFields = Readonly<Record<string, LogValue>>;

export type Logger = (level: LogLevel, event: string, fields?: LogFields) => void;

export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return (level, event, fields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  };
}
