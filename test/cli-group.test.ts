/** Command groups: help without a subcommand (exit 2), --help (exit 0), unknown subcommands named with the known ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runGroup } from '../src/cli/group.js';
import type { GroupDef } from '../src/cli/help.js';
import { IpgateError } from '../src/errors.js';

const GROUP: GroupDef = { name: 'demo', usage: ['run|list'], description: 'A group.', commands: [{ name: 'run', summary: 'runs' }, { name: 'list', summary: 'lists' }], examples: [], exitCodes: [] };

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await fn(), printed };
  } finally {
    process.stdout.write = write;
  }
}

test('a group runs the named subcommand with the rest of the arguments', async () => {
  const seen: string[][] = [];
  const code = await runGroup(GROUP, ['list', '-o', 'json'], { run: () => 5, list: (rest) => (seen.push(rest), Promise.resolve(3)) });
  assert.equal(code, 3);
  assert.deepEqual(seen, [['-o', 'json']]);
});

test('no subcommand prints the help and exits 2; --help exits 0', async () => {
  const none = await quietly(() => runGroup(GROUP, [], { run: () => 0 }));
  assert.equal(none.value, 2);
  assert.match(none.printed, /Usage: ipgate demo run\|list/);
  const help = await quietly(() => runGroup(GROUP, ['--help'], { run: () => 0 }));
  assert.equal(help.value, 0);
  assert.match(help.printed, /Usage: ipgate demo/);
});

test('an unknown subcommand (also an inherited property name) is ERR_USAGE listing the known ones', async () => {
  for (const sub of ['frob', 'toString', '__proto__', 'constructor']) {
    await assert.rejects(runGroup(GROUP, [sub], { run: () => 0, list: () => 0 }), (e: unknown) =>
      e instanceof IpgateError && e.code === 'ERR_USAGE' && e.message.includes(`unknown subcommand "${sub}"; expected run, list`));
  }
});
