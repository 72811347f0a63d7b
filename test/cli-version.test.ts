/**
 * `ipgate version`: the version of package.json (as `ipgate --version` and the ipgate_build_info metric give
 * it) and the Node.js it runs on, as text, JSON or YAML.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT, runIpgate } from './helpers/ipgate.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('ipgate version prints the package version and the Node.js version, in every output form', async () => {
  const text = await runIpgate(['version']);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, `ipgate ${VERSION} (node ${process.version}, ${process.platform}/${process.arch})\n`);
  const expected = { version: VERSION, node: process.version, platform: process.platform, arch: process.arch };
  const json = await runIpgate(['version', '-o', 'json']);
  assert.deepEqual(JSON.parse(json.stdout), expected);
  const yaml = await runIpgate(['version', '--output', 'yaml']);
  assert.deepEqual(parse(yaml.stdout), expected);
  const short = await runIpgate(['--version']);
  assert.equal(short.stdout, `ipgate ${VERSION}\n`);
  const wrong = await runIpgate(['version', '-o', 'table']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /unknown output format "table"; expected text, json, yaml.*\(ERR_USAGE\)/);
});
