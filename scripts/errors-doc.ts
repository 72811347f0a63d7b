/**
 * docs/errors.md is generated from the catalogue (src/errors/catalogue.ts), so the list of codes a user
 * reads is the one the code uses. `npm run docs:errors` writes it; test/errors-catalogue.test.ts fails when
 * the file is not what this script would write.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CATALOGUE, ERROR_CODES, SUBJECTS, type CodeInfo, type ErrorCode, type Subject } from '../src/errors/catalogue.js';

/** The repository root (this file runs compiled, from dist/scripts/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ERRORS_DOC = join(ROOT, 'docs/errors.md');

function quoted(command: string): string {
  return `\`${command}\``;
}

function exitCell(info: CodeInfo): string {
  const findings = (info.findingIn ?? []).map(quoted).join(', ');
  if (info.warning === true) return findings === '' ? '— (warning)' : `— (warning, listed by ${findings})`;
  const parts = [
    ...(info.exit === undefined ? [] : [String(info.exit)]),
    ...(findings === '' ? [] : [`1 from ${findings}`]),
  ];
  return parts.length === 0 ? '—' : parts.join('; ');
}

function row(code: ErrorCode): string {
  const info = ERROR_CATALOGUE[code];
  const meaning = info.warning === true ? `**Warning.** ${info.meaning}` : info.meaning;
  return `| \`${code}\` | ${meaning} | ${info.http ?? '—'} | ${exitCell(info)} |`;
}

function section(subject: Subject): string[] {
  const codes = ERROR_CODES.filter((c) => ERROR_CATALOGUE[c].subject === subject);
  if (codes.length === 0) return [];
  return [`## ${SUBJECTS[subject]}`, '', '| Code | Meaning | HTTP | Exit |', '|---|---|---|---|', ...codes.map(row), ''];
}

/** The text of docs/errors.md. */
export function renderErrorsDoc(): string {
  const warningCodes = ERROR_CODES.filter((c) => ERROR_CATALOGUE[c].warning === true);
  const warnings = warningCodes.length;
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/errors/catalogue.ts by `npm run docs:errors`: edit the catalogue, not this file. -->',
    '',
    'Every error ipgate reports carries a stable code: the CLI prints it after the message',
    '(`ipgate: MESSAGE (CODE)`), the admin API answers `{"code", "message", "errors"?}`, and the logs of',
    '`ipgate serve` carry it as `code`. A code names what went wrong; the message names the input and, where',
    `possible, the fix. Warnings (${warningCodes.map((c) => `\`${c}\``).join(', ')}) are reported, and refuse nothing.`,
    '',
    `There are ${ERROR_CODES.length} codes (${warnings === 1 ? 'one of them a warning' : `${warnings} of them warnings`}), grouped by subject below.`,
    '',
    '- **HTTP**: the admin API\'s status for an answer the code causes, as the answer\'s `code` or in its',
    '  `errors` list (where each bad entry has its own code). A code without one is not an admin API answer',
    '  (should one still reach the admin API, it is answered 400).',
    '- **Exit**: the exit status of a CLI command that stops with the code (a refusal received from a',
    '  gateway also ends the command with 2). `ranges validate`, `sources show` and `sources sync` list the',
    '  codes they find and exit 1; a warning leaves the exit status alone.',
    '- A code with neither is logged by `ipgate serve` while it keeps running, or comes from the library',
    '  (`import ... from \'ipgate\'`) only.',
    '',
    '`ipgate plan` names what blocks a client with its own vocabulary (`RANGE_MISSING`, `PEERING_MISSING`, ...):',
    'findings of a plan, not errors, so they are not listed here.',
    '',
    ...(Object.keys(SUBJECTS) as Subject[]).flatMap(section),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(ERRORS_DOC, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC} (${ERROR_CODES.length} codes)\n`);
}
