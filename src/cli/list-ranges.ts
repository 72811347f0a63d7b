/** Turning a range list read by input.ts into parsed ranges, with every bad entry named by its line. */
import { IpgateError, type ErrorCode } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';
import type { RangeList } from './input.js';

export interface ListIssue {
  readonly code: ErrorCode;
  readonly line?: number;
  readonly input?: string;
  readonly message: string;
  readonly suggestion?: string;
}

/** One line of text per issue: `line 3: "10.0.0.1/24": <message> [ERR_X] (suggestion: ...)`. */
export function formatIssue(issue: ListIssue): string {
  const where = issue.line === undefined ? '' : `line ${issue.line}: `;
  const input = issue.input === undefined ? '' : `${JSON.stringify(issue.input)}: `;
  const hint = issue.suggestion === undefined ? '' : ` (suggestion: ${issue.suggestion})`;
  return `${where}${input}${issue.message} [${issue.code}]${hint}`;
}

/** An ERR_LIST_INVALID error whose message lists every issue of the list. */
export function listInvalid(list: RangeList, issues: readonly ListIssue[]): IpgateError {
  const count = issues.length;
  const body = issues.map((i) => `\n  ${formatIssue(i)}`).join('');
  return new IpgateError('ERR_LIST_INVALID', `${list.source}: ${count} invalid entr${count === 1 ? 'y' : 'ies'}${body}`, {
    input: list.source,
    suggestion: `ipgate ranges validate ${list.source === '<stdin>' ? '-' : list.source}`,
  });
}

/** Parses every entry strictly; throws ERR_LIST_INVALID naming all bad lines at once. */
export function parseListRanges(list: RangeList): Range[] {
  const ranges: Range[] = [];
  const issues: ListIssue[] = [];
  for (const entry of list.entries) {
    try {
      ranges.push(parseRange(entry.text));
    } catch (error) {
      if (!(error instanceof IpgateError)) throw error;
      issues.push({ code: error.code, line: entry.line, input: entry.text, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) });
    }
  }
  if (issues.length > 0) throw listInvalid(list, issues);
  return ranges;
}
