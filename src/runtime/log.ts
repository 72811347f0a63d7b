/**
 * Operational log: one JSON object a line on standard error, written by pino. The parts log through the
 * small `Logger` function type below (level, event, fields), so none of them depends on pino; `jsonLogger`
 * adapts pino to it and keeps the line shape operators and tests read: `time` (ISO 8601), `level` (the
 * word, not pino's number), `event`, then the fields. No `pid`, `hostname` or `msg`.
 */
import { pino, type DestinationStream } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A field's value: JSON scalars, lists of strings, or lists of entries (a string, or an entry with its note). */
export type LogValue = string | number | boolean | null | undefined | readonly (string | Readonly<Record<string, string>>)[];

export type LogFields = Readonly<Record<string, LogValue>>;

export type Logger = (level: LogLevel, event: string, fields?: LogFields) => void;

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped (default `info`). */
  readonly level?: LogLevel;
  /** Where lines go (default: standard error, written synchronously so no line is lost at exit). */
  readonly destination?: DestinationStream;
}

export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  return (level, event, fields = {}) => {
    if (logger.isLevelEnabled(level)) logger[level]({ event, ...fields });
  };
}
