import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findDuplicateKey, hasRepeatedKey, parseStrictJson, StrictJsonError } from '../src/text/strict-json.js';

function problemOf(text: string): StrictJsonError['problem'] {
  try {
    parseStrictJson(text);
  } catch (error) {
    assert.ok(error instanceof StrictJsonError);
    return error.problem;
  }
  assert.fail(`accepted ${text}`);
}

test('strict JSON: a repeated key is refused wherever it is, escapes decoded', () => {
  const top = problemOf('{"authorizedIpRanges":["127.0.0.1/32"],"authorizedIpRanges":[]}');
  assert.equal(top.kind, 'duplicate-key');
  assert.match(top.message, /"authorizedIpRanges" appears more than once/);
  const nested = problemOf('{"add":[{"range":"10.0.0.0/8","note":"a","note":"b"}]}');
  assert.deepEqual(nested.kind === 'duplicate-key' ? [nested.path, nested.key] : [], ['add[0]', 'note']);
  assert.equal(problemOf('{"a":1,"\\u0061":2}').kind, 'duplicate-key');
  assert.equal(problemOf('{"a" :1, "a"  : 2}').kind, 'duplicate-key');
});

test('strict JSON: the same key in sibling objects, and keys inside strings, are fine', () => {
  assert.deepEqual(parseStrictJson('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(parseStrictJson('{"a":"\\"a\\":1","b":{"a":2}}'), { a: '"a":1', b: { a: 2 } });
  assert.equal(findDuplicateKey('{"x":{"y":1},"y":2}'), undefined);
  assert.equal(parseStrictJson('"text"'), 'text');
});

test('strict JSON: syntax errors keep JSON.parse\'s words; comments and trailing commas are refused', () => {
  assert.equal(problemOf('{"a":1,}').kind, 'syntax');
  assert.equal(problemOf('{"a":1 /* c */}').kind, 'syntax');
  assert.match(problemOf('{').message, /not valid JSON/);
});

test('property: the quick scan finds a repeated key exactly when the full visitor does', () => {
  // Keys from a small alphabet (repeats are common), some written with escapes; values nest objects and arrays,
  // and strings that look like JSON (quotes, backslashes, braces).
  const key = fc.constantFrom('a', 'b', '\\u0061', 'a\\"', '\\\\', 'x\\\\', '{', '');
  const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('1', 'null', '"s"', '"\\\\"', '"a\\"b"', '"{\\"a\\":1}"', '"\\\\\\""', '[]', '{}'),
      fc.array(tie('value'), { maxLength: 3 }).map((items) => `[ ${items.join(' , ')} ]`),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `"${k}" :${v}`).join(',')}}`),
    ),
  })).value;
  fc.assert(fc.property(value, (text) => {
    JSON.parse(text); // (the generator makes valid JSON only)
    assert.equal(hasRepeatedKey(text), findDuplicateKey(text) !== undefined, text);
  }), { numRuns: 3000 });
});
