import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipgate, tempFiles } from './helpers/offline-cli.js';

const files = tempFiles({
  good: '# office and CI\n73.140.245.0/24\n\n20.20.20.20   # runner\n',
  mixed: '73.140.245.0/24, 10.0.0.1/24\n2001:db8::/32\nAzureCloud\n73.140.245.0/24\n',
  tooMany: Array.from({ length: 201 }, (_, i) => `20.0.${i}.0/24`).join('\n'),
  sentinel: '0.0.0.0/32\n20.0.0.0/8\n',
});

interface Report {
  valid: boolean;
  entries: Array<{ line: number; input: string; ok: boolean; canonical?: string; code?: string; message?: string; suggestion?: string }>;
  problems?: Array<{ code: string; severity: string; line?: number }>;
}

test('valid list: exit 0 and a summary', async () => {
  const r = await ipgate(['ranges', 'validate', files.good ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 entries, all valid for target ipgate/);
});

test('--json: exactly the documented shape, lines counted with comments and commas', async () => {
  const r = await ipgate(['ranges', 'validate', '--json', files.mixed ?? '']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.valid, false);
  assert.deepEqual(report.entries[0], { line: 1, input: '73.140.245.0/24', ok: true, canonical: '73.140.245.0/24' });
  assert.deepEqual(report.entries[1], {
    line: 1, input: '10.0.0.1/24', ok: false, code: 'ERR_HOST_BITS',
    message: report.entries[1]?.message, suggestion: '10.0.0.0/24',
  });
  assert.match(report.entries[1]?.message ?? '', /host bits/);
  assert.deepEqual(report.entries[2], { line: 2, input: '2001:db8::/32', ok: true, canonical: '2001:db8::/32' });
  assert.equal(report.entries[3]?.code, 'ERR_SERVICE_TAG_UNSUPPORTED');
  assert.equal(report.entries[3]?.line, 3);
  assert.deepEqual(report.problems?.map((p) => [p.code, p.severity, p.line]), [['WARN_DUPLICATE_ENTRY', 'warning', 4]]);
  assert.deepEqual(Object.keys(report).sort(), ['entries', 'problems', 'valid']);
});

test('--target aks: IPv6 refused with the ipgate hint, one service tag accepted', async () => {
  const r = await ipgate(['ranges', 'validate', '--target', 'aks', '--json', files.mixed ?? '']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.entries[2]?.code, 'ERR_AKS_IPV6');
  assert.match(report.entries[2]?.suggestion ?? '', /--target ipgate/);
  assert.deepEqual(report.entries[3], { line: 3, input: 'AzureCloud', ok: true, canonical: 'AzureCloud' });
});

test('human output names line, input, problem and suggestion', async () => {
  const r = await ipgate(['ranges', 'validate', '--target', 'aks', files.mixed ?? '']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /line 1: "10\.0\.0\.1\/24": .*host bits.*\[ERR_HOST_BITS\].*suggestion: 10\.0\.0\.0\/24/);
  assert.match(r.stdout, /line 2: "2001:db8::\/32": .*IPv6.*--target ipgate/);
  assert.match(r.stdout, /warning: line 4: "73\.140\.245\.0\/24"/);
  assert.match(r.stdout, /2 of 5 entries invalid/);
});

test('aks: more than 200 entries is a whole-list problem suggesting condense', async () => {
  const ok = await ipgate(['ranges', 'validate', files.tooMany ?? '']);
  assert.equal(ok.code, 0);
  const r = await ipgate(['ranges', 'validate', '--target', 'aks', '--json', files.tooMany ?? '']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(report.entries.every((e) => e.ok));
  assert.equal(report.problems?.[0]?.code, 'ERR_AKS_TOO_MANY');
  const human = await ipgate(['ranges', 'validate', '--target', 'aks', files.tooMany ?? '']);
  assert.match(human.stdout, /ipgate condense --max 200/);
});

test('0.0.0.0/32 combined with other entries is refused', async () => {
  const r = await ipgate(['ranges', 'validate', '--json', files.sentinel ?? '']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.entries[0]?.code, 'ERR_EGRESS_ONLY_COMBINED');
});

test('stdin: no file and "-", a pasted az list with commas', async () => {
  const list = '73.140.245.0/24,193.168.1.0/24,194.168.1.0/24\n';
  for (const args of [['ranges', 'validate', '--target', 'aks'], ['ranges', 'validate', '--target', 'aks', '-']]) {
    const r = await ipgate(args, list);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<stdin>: 3 entries, all valid/);
  }
  const empty = await ipgate(['ranges', 'validate', '--json'], '# nothing\n\n');
  assert.equal(empty.code, 0);
  assert.deepEqual(JSON.parse(empty.stdout), { valid: true, entries: [] });
});

test('usage errors exit 2: bad flag, bad target, two files, unreadable file', async () => {
  const bad = await ipgate(['ranges', 'validate', '--bogus', files.good ?? '']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_USAGE/);
  const target = await ipgate(['ranges', 'validate', '--target', 'gke', files.good ?? '']);
  assert.equal(target.code, 2);
  assert.match(target.stderr, /--target must be ipgate or aks/);
  const two = await ipgate(['ranges', 'validate', files.good ?? '', files.good ?? '']);
  assert.equal(two.code, 2);
  const missing = await ipgate(['ranges', 'validate', `${files.dir ?? ''}/nope.txt`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_FILE_READ/);
  assert.match(missing.stderr, /nope\.txt/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /); // no stack trace
});

test('--help', async () => {
  const r = await ipgate(['ranges', 'validate', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: ipgate ranges validate \[--target ipgate\|aks \[--vnet-integration\]\] \[-o text\|json\|yaml\] \[FILE \| LIST\]/);
});
