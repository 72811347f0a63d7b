/**
 * The catalogue of codes (src/errors/catalogue.ts) is complete and nothing more: every code the source
 * uses is listed, every listed code is used, no code is built from a template, the admin API's statuses
 * are the ones it has always answered, and docs/errors.md is what the catalogue generates.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ApiError, type EntryError } from '../src/admin/api-error.js';
import { storeErrorStatus } from '../src/admin/store-error.js';
import { serverError, ServerError } from '../src/cli/client.js';
import { CodedError, IpgateError } from '../src/errors.js';
import { ERROR_CATALOGUE, ERROR_CODES, SUBJECTS, httpStatus, isErrorCode, isWarning, type ErrorCode } from '../src/errors/catalogue.js';
import type { ProfileProblem } from '../src/policy/validate.js';
import type { KeyedProblem } from '../src/text/key-path.js';
import { renderErrorsDoc } from '../scripts/errors-doc.js';
import { ROOT } from './helpers/ipgate.js';

const SRC = join(ROOT, 'src');
const CATALOGUE_FILE = join(SRC, 'errors/catalogue.ts');
const CODE = /(?:ERR|WARN)_[A-Z0-9_]*/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

interface Found {
  /** Whole codes written in string or template text. */
  readonly codes: Set<string>;
  /** Code-like text that is not a whole code: a prefix (`'WARN_'`) or a code continued by `${...}`. */
  readonly built: string[];
}

/** The codes in the string and template literals of a TypeScript text (comments are not code). */
function codesIn(text: string, name = 'snippet.ts'): Found {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: Found = { codes: new Set(), built: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) {
      const continued = node.kind === ts.SyntaxKind.TemplateHead || node.kind === ts.SyntaxKind.TemplateMiddle;
      for (const m of node.text.matchAll(CODE)) {
        const end = (m.index ?? 0) + m[0].length;
        if (m[0].endsWith('_') || (continued && end === node.text.length)) found.built.push(`${name}: ${node.getText()}`);
        else found.codes.add(m[0]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Every code written in src/ outside the catalogue, with the files that write it. */
function codesOfSource(): { uses: Map<string, string[]>; built: string[] } {
  const uses = new Map<string, string[]>();
  const built: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (file === CATALOGUE_FILE) continue;
    const name = relative(ROOT, file);
    const found = codesIn(readFileSync(file, 'utf8'), name);
    built.push(...found.built);
    for (const code of found.codes) uses.set(code, [...(uses.get(code) ?? []), name]);
  }
  return { uses, built };
}

test('the scan finds codes in strings and templates, not in comments, and sees codes built from templates', () => {
  const found = codesIn([
    "// ERR_IN_A_COMMENT",
    "throw new IpgateError('ERR_USAGE', `x ${y}`);",
    'out.write(`ipgate: internal error (ERR_INTERNAL): ${detail}`);',
    "const code = ok ? `ERR_HTTP_${status}` : 'ERR_SERVER_ANSWER';",
    "if (code.startsWith('WARN_')) warn();",
  ].join('\n'));
  assert.deepEqual([...found.codes].sort(), ['ERR_INTERNAL', 'ERR_SERVER_ANSWER', 'ERR_USAGE']);
  assert.deepEqual(found.built, ['snippet.ts: `ERR_HTTP_${', "snippet.ts: 'WARN_'"]);
});

test('every code used in src/ is in the catalogue, and none is built from a template', () => {
  const { uses, built } = codesOfSource();
  assert.ok(uses.size > 100, `the scan sees the source's codes (${uses.size})`);
  const missing = [...uses].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${files.join(', ')})`);
  assert.deepEqual(missing, [], 'codes used in src/ but missing from src/errors/catalogue.ts');
  assert.deepEqual(built, [], 'codes built from templates or partial codes: write each code in full');
});

test('every code in the catalogue is used in src/ (no dead codes)', () => {
  const { uses } = codesOfSource();
  assert.deepEqual(ERROR_CODES.filter((code) => !uses.has(code)), [], 'listed in the catalogue but used nowhere in src/');
});

test('catalogue entries: well-formed names, WARN_ exactly for warnings, one-line meanings, statuses and exits that exist', () => {
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  for (const code of ERROR_CODES) {
    const info = ERROR_CATALOGUE[code];
    assert.match(code, /^(ERR|WARN)_[A-Z0-9]+(_[A-Z0-9]+)*$/);
    assert.equal(isWarning(code), code.startsWith('WARN_'), `${code}: warnings, and only they, are WARN_`);
    assert.ok(Object.hasOwn(SUBJECTS, info.subject), `${code}: subject ${info.subject}`);
    assert.match(info.meaning, /^[^\n|]+\.$/, `${code}: a meaning is one sentence on one line`);
    if (info.http !== undefined) assert.ok(info.http >= 400 && info.http <= 599, `${code}: http ${info.http}`);
    if (isWarning(code)) assert.ok(info.http === undefined && info.exit === undefined, `${code}: a warning refuses nothing`);
  }
  for (const subject of Object.keys(SUBJECTS)) {
    assert.ok(ERROR_CODES.some((c) => ERROR_CATALOGUE[c].subject === subject), `subject ${subject} has codes`);
  }
});

test('the admin API answers each code with the status it always had', () => {
  // The statuses of the admin API before they were read from the catalogue (handler.ts, store-error.ts,
  // ApiError call sites; the data plane's failures 502): a change here changes the API.
  const before: Partial<Record<ErrorCode, number>> = {
    ERR_UNAUTHORIZED: 401, ERR_NOT_FOUND: 404, ERR_PROFILE_NOT_FOUND: 404, ERR_METHOD: 405, ERR_BODY_TIMEOUT: 408,
    ERR_LOCKOUT: 409, ERR_WRITE_CONFLICT: 409, ERR_PRECONDITION: 412, ERR_BODY_TOO_LARGE: 413, ERR_INTERNAL: 500,
    ERR_STORE_UNAVAILABLE: 503, ERR_STORE_OUTCOME_UNKNOWN: 503, ERR_DATAPLANE: 502, ERR_HAPROXY_SOCKET: 502,
    ERR_HAPROXY_TIMEOUT: 502, ERR_HAPROXY_REFUSED: 502, ERR_HAPROXY_EMPTY_LIST: 502, ERR_HAPROXY_SWAP: 502,
    ERR_HAPROXY_NOT_APPLIED: 502,
    ERR_BODY_ABORTED: 400, ERR_BODY_DUPLICATE_KEY: 400, ERR_BODY_JSON: 400, ERR_BODY_SHAPE: 400, ERR_PATCH_DISABLES: 400,
    ERR_PATCH_EMPTY: 400, ERR_PATCH_INVALID: 400, ERR_PROFILE_INVALID: 400, ERR_PROFILE_NAME: 400, ERR_QUERY: 400,
    ERR_QUERY_UNKNOWN: 400, ERR_REQUEST: 400, ERR_USAGE: 400, ERR_STORE_INVALID: 400, ERR_STORE_UNSUPPORTED: 400,
    ERR_IPV4_SYNTAX: 400, ERR_HOST_BITS: 400, ERR_ZONE_ID: 400,
  };
  for (const [code, status] of Object.entries(before) as [ErrorCode, number][]) {
    assert.equal(httpStatus(code), status, code);
    assert.equal(new ApiError(code, 'x').status, status, `ApiError ${code}`);
    assert.equal(storeErrorStatus(code), status, `store error ${code}`);
  }
  // Any other IpgateError reaching the admin API is answered 400, as it always was.
  assert.equal(httpStatus('ERR_CONFIG_READ'), 400);
});

test('a misspelt code does not compile', () => {
  // Checked by the compiler, not at run time: each line below is a compile error, and tsc fails on an
  // unused @ts-expect-error, so the build breaks if one of them ever compiles.
  const misspelt = (): unknown[] => [
    // @ts-expect-error: misspelt
    new IpgateError('ERR_PRECONDITON', 'x'),
    // @ts-expect-error: misspelt
    new ApiError('ERR_LOCKUOT', 'x'),
    // @ts-expect-error: misspelt
    { entry: 'x', code: 'ERR_ENTRY_MISSING', message: 'x' } satisfies EntryError,
    // @ts-expect-error: misspelt
    { code: 'WARN_DUPLICATE', severity: 'warning', message: 'x' } satisfies ProfileProblem,
    // @ts-expect-error: misspelt
    { path: '', code: 'ERR_CONFIG_MISSING', message: 'x' } satisfies KeyedProblem,
    // @ts-expect-error: a code built from a template is not a code
    new IpgateError(`ERR_HTTP_${String(502)}`, 'x'),
  ];
  assert.equal(typeof misspelt, 'function');
});

test('a refusal from a gateway keeps the server\'s code as data; an answer without one is ERR_SERVER_ANSWER with its status', () => {
  const proxy = serverError('http://127.0.0.1:9/v1/profile', 502, '<html>Bad Gateway</html>');
  assert.ok(proxy instanceof ServerError && proxy instanceof CodedError);
  assert.equal(proxy.code, 'ERR_SERVER_ANSWER');
  assert.equal(proxy.status, 502);
  assert.match(proxy.message, /answered 502 \[502 from http:\/\/127\.0\.0\.1:9\/v1\/profile\]/);

  const newer = serverError('http://127.0.0.1:9/v1/profile', 422, { code: 'ERR_FROM_A_NEWER_GATEWAY', message: 'refused', errors: [{ entry: '10.0.0.1/8', message: 'bad' }] });
  assert.equal(newer.code, 'ERR_FROM_A_NEWER_GATEWAY');
  assert.match(newer.message, /10\.0\.0\.1\/8: bad \(ERR_SERVER_ANSWER\)/, 'an entry without a code');
});

test('docs/errors.md is what the catalogue generates (run npm run docs:errors after changing the catalogue)', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  assert.equal(doc, renderErrorsDoc());
  for (const code of ERROR_CODES) assert.ok(doc.includes(`| \`${code}\` |`), `${code} has a row`);
  const spelled = [...doc.matchAll(CODE)].map((m) => m[0]).filter((text) => !isErrorCode(text));
  assert.deepEqual(spelled, [], 'every code spelled out in full (no wildcard, no template)');
});
