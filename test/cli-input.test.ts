import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListText, readRangeList } from '../src/cli/input.js';
import { parseListRanges } from '../src/cli/list-ranges.js';
import { tempFiles } from './helpers/offline-cli.js';

test('parseListText: comments, blank lines, whitespace, commas, CRLF, BOM; line numbers kept', () => {
  const text = '\uFEFF# header\r\n  1.2.3.0/24  \r\n\r\n20.0.0.0/8,30.0.0.0/8 ,, 40.0.0.0/8 # trailing\n#,50.0.0.0/8\n\t2001:db8::/32\t';
  assert.deepEqual(parseListText(text), [
    { text: '1.2.3.0/24', line: 2 },
    { text: '20.0.0.0/8', line: 4 },
    { text: '30.0.0.0/8', line: 4 },
    { text: '40.0.0.0/8', line: 4 },
    { text: '2001:db8::/32', line: 6 },
  ]);
  assert.deepEqual(parseListText(''), []);
  assert.deepEqual(parseListText('# only comments\n\n'), []);
});

test('readRangeList: a file; ERR_FILE_READ naming the path for a missing file or a directory', async () => {
  const f = tempFiles({ list: '1.2.3.4\n5.6.7.0/24\n' });
  const list = await readRangeList(f.list);
  assert.equal(list.source, f.list);
  assert.deepEqual(list.entries.map((e) => e.text), ['1.2.3.4', '5.6.7.0/24']);
  for (const path of [`${f.dir ?? ''}/missing.txt`, f.dir ?? '']) {
    await assert.rejects(readRangeList(path), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ERR_FILE_READ');
      assert.ok((e as Error).message.includes(path));
      return true;
    });
  }
});

test('parseListRanges: every bad entry named by line in one ERR_LIST_INVALID error', () => {
  const list = { source: 'x.txt', entries: parseListText('1.2.3.0/24\n1.2.3.4/24, 010.0.0.0/8\n') };
  assert.throws(() => parseListRanges(list), (e: unknown) => {
    assert.equal((e as { code?: string }).code, 'ERR_LIST_INVALID');
    const message = (e as Error).message;
    assert.match(message, /x\.txt: 2 invalid entries/);
    assert.match(message, /line 2: "1\.2\.3\.4\/24".*\[ERR_HOST_BITS\]/);
    assert.match(message, /line 2: "010\.0\.0\.0\/8".*\[ERR_IPV4_LEADING_ZERO\]/);
    return true;
  });
});
