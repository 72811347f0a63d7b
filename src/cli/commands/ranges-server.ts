/**
 * `ipgate ranges show|set|add|remove|disable`: read or change the ranges of a running gateway through its
 * admin API. Changes are compare-and-swap: `set`, `disable` and egress edits read the profile and write it
 * back with its ETag, so a concurrent change is never overwritten silently. `add --note TEXT --expires 8h`
 * gives the entries a note and an expiry time; `set` keeps the notes of the entries it keeps.
 */
import { readFileSync } from 'node:fs';
import { IpgateError } from '../../errors.js';
import { checkNote, checkNotExpired, formatExpiry, parseExpiry, toWire, wireEntry, type WireEntry } from '../../policy/entry-info.js';
import { checkProfileName } from '../../policy/profile-name.js';
import type { EntryInfo, Profile } from '../../policy/profile.js';
import { DURATION, parseDuration } from '../../sources/duration.js';
import { parseCommand, usageError, type CommandDef, type Values } from '../args.js';
import { adminRequest, profileOf, profilePath, resolveTarget, ServerError, unexpectedAnswer, type ServerTarget } from '../client.js';
import { ERROR_EXITS, SERVER_OPTIONS, TABLE_OUTPUT } from '../common-options.js';
import { printResult } from '../output.js';
import { describeInfo, formatProfile, summaryLine, type ProfileView } from '../profile-view.js';
import { describeFileError } from '../../fs/file-error.js';
import { MINE_DEFAULT_EXPIRES, mineEntry } from '../mine.js';
import { isJsonList, jsonListEntries } from '../list-text.js';
import { disableWarning } from '../disable-warning.js';

type Sub = 'show' | 'set' | 'add' | 'remove' | 'disable';

const PROFILE_OPTION = {
  name: 'profile', type: 'string', value: 'NAME',
  help: `a named profile of a gateway with an etcd store (admin path /v1/profiles/NAME);
default: the profile the gateway enforces`,
} as const;

const GUARD_OPTIONS = [
  { name: 'if-match', type: 'string', value: 'ETAG', help: "only change the profile if it still has this ETag (from 'ranges show')" },
  { name: 'dry-run', type: 'boolean', help: 'validate and show the result; change nothing' },
] as const;

const CHANGE_OPTIONS = [
  ...SERVER_OPTIONS,
  PROFILE_OPTION,
  { name: 'file', type: 'string', multiple: true, value: 'FILE', help: "read entries from FILE (one per line, '#' comments, commas allowed, or a JSON array); repeatable" },
  ...GUARD_OPTIONS,
  { name: 'force', type: 'boolean', help: 'apply even if it would refuse your own address (lockout protection)' },
  { name: 'egress', type: 'boolean', help: 'edit the egress ranges (always allowed) instead of the authorized ranges' },
] as const;

/** Only `ranges add` gives entries a note or an expiry time. */
const ADD_OPTIONS = [
  ...CHANGE_OPTIONS,
  { name: 'note', type: 'string', value: 'TEXT', help: "a note kept with the entries (who, why), shown by 'ranges show' and the history" },
  {
    name: 'expires', type: 'string', value: 'WHEN',
    help: `remove the entries at that time: a duration from now (8h, 30m, 1d12h) or an RFC 3339
time (2026-12-02T18:00:00Z); adding a present entry with --note or --expires replaces
its note and expiry time`,
  },
  {
    name: 'mine', type: 'boolean',
    help: `add your own address as the admin API sees it (/32 or /128, see 'ipgate whoami'), expiring after
--expires (default 8h), with a note naming you; refused when that is not the address the gateway judges`,
  },
] as const;

const SHOW_OPTIONS = [...SERVER_OPTIONS, PROFILE_OPTION] as const;
const DISABLE_OPTIONS = [...SERVER_OPTIONS, PROFILE_OPTION, ...GUARD_OPTIONS] as const;

type Options = typeof CHANGE_OPTIONS | typeof ADD_OPTIONS | typeof SHOW_OPTIONS | typeof DISABLE_OPTIONS;

const CHANGE_EXITS = [[0, 'the change is in force (with --dry-run: it would be valid; nothing changed)'], ...ERROR_EXITS] as const;
const AUTH = '--server http://127.0.0.1:9090 --token-file admin.token';

export const COMMANDS: Record<Sub, CommandDef<Options>> = {
  show: {
    name: 'ranges show',
    summary: "show a gateway's profile",
    usage: ['--server URL --token-file FILE [--profile NAME] [-o table|json|yaml]'],
    description: `Shows the gateway's profile: its mode (enforced, disabled or egress only), the ETag, and the authorized
and egress ranges, each entry with its note and expiry time (and the time left) when it has them.
JSON and YAML hold {authorizedIpRanges, egressIpRanges, etag}; an entry with a note or an expiry time
is {range, note?, expires?}, one without is a string.`,
    options: SHOW_OPTIONS,
    output: TABLE_OUTPUT,
    examples: [`ipgate ranges show ${AUTH}`, 'ipgate ranges show -o json', `ipgate ranges show --profile cluster-b ${AUTH}`],
    exitCodes: [[0, 'the profile was shown'], ...ERROR_EXITS],
    maxPositionals: 0,
  },
  set: {
    name: 'ranges set',
    summary: 'replace the authorized (or egress) ranges',
    usage: ['(FILE | ENTRY...) [--file FILE] --server URL --token-file FILE [options]'],
    description: `Replaces the authorized ranges (or, with --egress, the egress ranges) with the entries given: one FILE
(one entry per line, '#' comments, commas allowed, or a JSON array as 'az aks show --query
apiServerAccessProfile.authorizedIpRanges' prints it), entries on the command line (comma-separated as
AKS takes them: 73.140.245.0/24,193.168.1.0/24), or --file.
The profile is read and written back guarded by its ETag, so a concurrent change is never overwritten;
the entries it keeps keep their notes and expiry times.
'ipgate ranges set ""' disables the restriction (every address may connect), as
'az aks update --api-server-authorized-ip-ranges ""' does; so does 'ipgate ranges disable'.
'ipgate ranges set --egress ""' empties the egress ranges.
JSON and YAML hold {dryRun, etag, added, removed, updated, authorizedIpRanges, egressIpRanges}.`,
    options: CHANGE_OPTIONS,
    output: TABLE_OUTPUT,
    examples: [
      `ipgate ranges set allow.txt ${AUTH}`,
      `ipgate ranges set 203.0.113.0/24,198.51.100.7 --dry-run ${AUTH}`,
      `ipgate ranges set "" ${AUTH}`,
    ],
    exitCodes: CHANGE_EXITS,
    maxPositionals: Number.MAX_SAFE_INTEGER,
  },
  add: {
    name: 'ranges add',
    summary: 'add entries (one atomic PATCH)',
    usage: ['ENTRY... [--file FILE] [--note TEXT] [--expires WHEN] --server URL --token-file FILE [options]', '--mine [--expires WHEN] [--note TEXT] [options]'],
    description: `Adds entries (CIDRs, addresses or range source references; also comma-separated: A,B) to the authorized
ranges (or, with --egress, the egress ranges), in one atomic PATCH: parallel adds through one gateway are all kept.
--note and --expires apply to every entry given; an entry that expires is enforced until then, and
removed at that moment (recorded in the history with actor "expiry"). An expiry time in the past is
ERR_ENTRY_EXPIRED, an unreadable one ERR_ENTRY_EXPIRES.
--mine adds your own address as the admin API sees it (directly, or carried by a trusted balancer's
PROXY header), for 8h unless --expires says otherwise, with a note naming you (token name or client
certificate subject); it is refused (ERR_MINE_ADDRESS) when that address is not the one the gateway
judges, e.g. 127.0.0.1 while the listeners face the internet.
JSON and YAML hold {dryRun, etag, added, removed, updated, authorizedIpRanges, egressIpRanges}
(updated: present entries whose note or expiry time was replaced).`,
    options: ADD_OPTIONS,
    output: TABLE_OUTPUT,
    examples: [
      `ipgate ranges add 203.0.113.0/24 ${AUTH}`,
      `ipgate ranges add 203.0.113.7 --note "Alice, VPN outage" --expires 8h ${AUTH}`,
      'ipgate ranges add 198.51.100.7 --expires 2026-12-02T18:00:00Z -o json',
      'ipgate ranges add --egress 20.50.1.7 -o json',
      `ipgate ranges add 198.51.100.7 --profile cluster-b ${AUTH}`,
      'ipgate ranges add --mine --context prod',
    ],
    exitCodes: CHANGE_EXITS,
    maxPositionals: Number.MAX_SAFE_INTEGER,
  },
  remove: {
    name: 'ranges remove',
    summary: 'remove entries',
    usage: ['ENTRY... [--file FILE] --server URL --token-file FILE [options]'],
    description: `Removes entries (also comma-separated: A,B) from the authorized ranges (or, with --egress, the egress
ranges). Refused with ERR_LOCKOUT if it would refuse your own address, unless --force; removing an absent
entry is ERR_ENTRY_NOT_FOUND. Removing the last authorized entry is refused: it would let every address
connect; to do that on purpose, use 'ipgate ranges disable'. JSON and YAML hold {dryRun, etag, added, removed,
updated, authorizedIpRanges, egressIpRanges}.`,
    options: CHANGE_OPTIONS,
    output: TABLE_OUTPUT,
    examples: [`ipgate ranges remove 203.0.113.0/24 ${AUTH}`, `ipgate ranges remove 127.0.0.1/32 --force ${AUTH}`],
    exitCodes: CHANGE_EXITS,
    maxPositionals: Number.MAX_SAFE_INTEGER,
  },
  disable: {
    name: 'ranges disable',
    summary: 'empty the authorized ranges: every address may connect',
    usage: ['--server URL --token-file FILE [--if-match ETAG] [--dry-run] [-o table|json|yaml]'],
    description: `Empties the authorized ranges: the feature is disabled and every address may connect (AKS semantics).
Disabling never locks anyone out, so it takes no --force (and no --egress or --file).
JSON and YAML hold {dryRun, etag, added, removed, updated, authorizedIpRanges, egressIpRanges}.`,
    options: DISABLE_OPTIONS,
    output: TABLE_OUTPUT,
    examples: [`ipgate ranges disable ${AUTH}`, `ipgate ranges disable --dry-run ${AUTH}`],
    exitCodes: CHANGE_EXITS,
    maxPositionals: 0,
  },
};

/**
 * `--expires`: a duration from `now` (`8h`) or an RFC 3339 time, as the RFC 3339 time sent; refused
 * (ERR_ENTRY_EXPIRES, ERR_ENTRY_EXPIRED) when unreadable or past.
 */
export function expiryFromFlag(text: string, now: number): string {
  if (DURATION.test(text)) {
    try {
      // Whole seconds, rounded up: never shorter than asked.
      return formatExpiry(Math.ceil((now + parseDuration(text)) / 1000) * 1000);
    } catch (error) {
      if (error instanceof IpgateError) throw new IpgateError('ERR_ENTRY_EXPIRES', `--expires ${error.message}`, { input: text, suggestion: '8h' });
      throw error;
    }
  }
  const ms = parseExpiry(text, '--expires');
  checkNotExpired(ms, now, '--expires');
  return formatExpiry(ms);
}

/** The note and expiry time of --note/--expires (undefined: neither given). */
function flagInfo(note: string | undefined, expires: string | undefined, now: number): EntryInfo | undefined {
  if (note === undefined && expires === undefined) return undefined;
  return {
    ...(note === undefined ? {} : { note: checkNote(note, '--note') }),
    ...(expires === undefined ? {} : { expires: expiryFromFlag(expires, now) }),
  };
}

/**
 * Splits a range list's text: one entry per line or comma-separated, `#` comments, blank lines ignored; or a
 * JSON array of strings (what `az aks show --query apiServerAccessProfile.authorizedIpRanges` prints).
 */
export function entriesOfText(text: string, source = 'the list'): string[] {
  if (isJsonList(text)) return jsonListEntries(text, source).map((e) => e.text);
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const hash = line.indexOf('#');
    const content = hash === -1 ? line : line.slice(0, hash);
    for (const piece of content.split(/[,\s]+/)) if (piece !== '') out.push(piece);
  }
  return out;
}

function readEntriesFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `cannot read range file "${path}" (${describeFileError(error)})`, { input: path });
  }
  return entriesOfText(text, path);
}

/** AKS's `--api-server-authorized-ip-ranges ""`: every positional empty, nothing else given. */
export function isEmptyListArgument(positionals: readonly string[]): boolean {
  return positionals.length > 0 && positionals.every((p) => p.trim() === '');
}

function isReadableFile(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

interface Change {
  readonly before?: ProfileView;
  readonly after: ProfileView | undefined;
  readonly etag: string | undefined;
  readonly dryRun: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Present entries whose note or expiry time changed. */
  readonly updated: readonly string[];
}

async function readProfile(target: ServerTarget): Promise<ProfileView> {
  const res = await adminRequest(target, 'GET', profilePath(target));
  const profile = profileOf(res.body);
  if (profile === undefined) throw unexpectedAnswer('GET /v1/profile', target.baseUrl);
  return { ...profile, etag: res.etag };
}

function changeQuery(dryRun: boolean, force: boolean): Record<string, string | undefined> {
  return { dryRun: dryRun ? 'true' : undefined, force: force ? 'true' : undefined };
}

/** PUT the whole profile (notes and expiry times included), guarded by an ETag. */
async function putProfile(
  target: ServerTarget,
  profile: Profile,
  ifMatch: string | undefined,
  dryRun: boolean,
  force: boolean,
): Promise<{ after: ProfileView | undefined; etag: string | undefined }> {
  const res = await adminRequest(target, 'PUT', profilePath(target), {
    body: toWire(profile),
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    query: changeQuery(dryRun, force),
  });
  const after = profileOf(res.body);
  return { after: after === undefined ? undefined : { ...after, etag: res.etag }, etag: res.etag };
}

async function change(
  sub: Exclude<Sub, 'show'>,
  target: ServerTarget,
  entries: string[],
  flags: { ifMatch: string | undefined; dryRun: boolean; force: boolean; egress: boolean; emptyGiven: boolean; info?: EntryInfo | undefined },
): Promise<Change> {
  const { ifMatch, dryRun, force, egress, info } = flags;
  if ((sub === 'add' || sub === 'remove') && entries.length === 0) {
    throw usageError(`ranges ${sub}`, 'give at least one entry (or --file F)');
  }
  // `ranges set --egress ""` empties the egress ranges on purpose; an empty list otherwise is a mistake.
  if (sub === 'set' && entries.length === 0 && !(egress && flags.emptyGiven)) {
    if (egress) throw usageError('ranges set', 'give a FILE or entries (or "" to empty the egress ranges)');
    throw new IpgateError('ERR_USAGE', `ranges set: give a FILE or entries; to let every address connect use 'ipgate ranges disable'`, {
      suggestion: 'ipgate ranges disable',
    });
  }

  // add/remove: the server's PATCH does it atomically (and compares entries in canonical form).
  if (sub === 'add' || sub === 'remove') {
    const key = egress ? (sub === 'add' ? 'addEgress' : 'removeEgress') : sub;
    const sent: WireEntry[] = sub === 'add' ? entries.map((e) => wireEntry(e, info)) : entries;
    const res = await adminRequest(target, 'PATCH', profilePath(target), {
      body: { [key]: sent },
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
      query: changeQuery(dryRun, force),
    }).catch((error: unknown) => {
      // A gateway that reads entries as plain strings only refuses the object form: say so, never retry without it
      // (an entry meant to expire must not be added for good).
      if (info !== undefined && error instanceof ServerError && error.code === 'ERR_BODY_SHAPE') {
        throw new ServerError(error.code, error.status, `this gateway takes no entries with a note or an expiry time (an older version), which --note, --expires and --mine send; nothing was changed [${error.status} from ${target.baseUrl}]`, {
          input: target.baseUrl,
          suggestion: 'upgrade the gateway, or add the address without --note and --expires',
        });
      }
      throw error;
    });
    const parsed = profileOf(res.body);
    let after: ProfileView | undefined = parsed === undefined ? undefined : { ...parsed, etag: res.etag };
    if (after === undefined && !dryRun) after = await readProfile(target);
    const reported = (key: string): string[] | undefined => {
      const body = res.body;
      if (typeof body !== 'object' || body === null || !(key in body)) return undefined;
      const list = (body as Record<string, unknown>)[key];
      return Array.isArray(list) && list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
    };
    return {
      after,
      etag: after?.etag ?? res.etag,
      dryRun,
      added: reported('added') ?? (sub === 'add' ? entries : []),
      removed: reported('removed') ?? (sub === 'remove' ? entries : []),
      updated: reported('updated') ?? [],
    };
  }

  // set and disable: read, replace the list, write back guarded by the ETag read (or the one given). Entries
  // kept keep their notes and expiry times; the other list is sent back as it was read.
  const before = await readProfile(target);
  const guard = ifMatch ?? before.etag;
  const current = egress ? before.egressIpRanges : before.authorizedIpRanges;
  const next = sub === 'set' ? entries : [];
  const field = egress ? 'egressIpRanges' : 'authorizedIpRanges';
  const keptInfo = new Map<string, EntryInfo>();
  for (const entry of next) {
    const i = before.entryInfo?.[field]?.get(entry);
    if (i !== undefined) keptInfo.set(entry, i);
  }
  const profile: Profile = egress
    ? { authorizedIpRanges: before.authorizedIpRanges, egressIpRanges: next, entryInfo: { ...before.entryInfo, egressIpRanges: keptInfo } }
    : { authorizedIpRanges: next, egressIpRanges: before.egressIpRanges, entryInfo: { ...before.entryInfo, authorizedIpRanges: keptInfo } };
  const { after, etag } = await putProfile(target, profile, guard, dryRun, force);
  const result = after ?? (dryRun ? { ...profile, etag: undefined } : await readProfile(target));
  return {
    before,
    after: result,
    etag: result.etag ?? etag,
    dryRun,
    added: next.filter((x) => !current.includes(x)),
    removed: current.filter((c) => !next.includes(c)),
    updated: [],
  };
}

export async function run(given: Sub, argv: string[]): Promise<number> {
  let sub = given;
  const parsed = parseCommand(COMMANDS[sub], argv);
  if (parsed === undefined) return 0;
  const { positionals, output } = parsed;
  // One table per subcommand: the change flags exist only where they are in the table.
  const values = parsed.values as Values<typeof ADD_OPTIONS>;
  let info = sub === 'add' && values.mine !== true ? flagInfo(values.note, values.expires, Date.now()) : undefined;

  // `ranges set ""` is AKS's way to disable (az aks update --api-server-authorized-ip-ranges "").
  if (sub === 'set' && isEmptyListArgument(positionals) && values.file === undefined && values.egress !== true) {
    if (values.force === true) throw usageError('ranges set', '"" disables; it takes no --force (disabling never locks anyone out)', '--force');
    sub = 'disable';
  }

  const resolved = resolveTarget(values);
  const target = values.profile === undefined ? resolved : { ...resolved, profile: checkProfileName(values.profile, '--profile') };

  if (sub === 'show') {
    const profile = await readProfile(target);
    printResult(output, { ...toWire(profile), etag: profile.etag ?? null }, { table: () => formatProfile(profile) });
    return 0;
  }

  // (Appended one by one: a file of a hundred thousand entries is too many arguments for one push call.)
  const entries: string[] = [];
  const take = (list: readonly string[]): void => {
    for (const entry of list) entries.push(entry);
  };
  if (values.mine === true) {
    if (positionals.length > 0 || values.file !== undefined) throw usageError('ranges add', '--mine adds your own address; give no other entries with it');
    if (values.egress === true) throw usageError('ranges add', '--mine adds your address to the authorized ranges; it takes no --egress');
    const expires = expiryFromFlag(values.expires ?? MINE_DEFAULT_EXPIRES, Date.now());
    const mine = await mineEntry(target, { expires, note: values.note === undefined ? undefined : checkNote(values.note, '--note') });
    entries.push(mine.range);
    info = { note: mine.note, expires: mine.expires };
  }
  for (const file of values.file ?? []) take(readEntriesFile(file));
  if (sub === 'set' && positionals.length === 1 && values.file === undefined && isReadableFile(positionals[0] ?? '')) {
    take(readEntriesFile(positionals[0] ?? ''));
  } else if (sub !== 'disable') {
    for (const p of positionals) take(entriesOfText(p, 'the command line'));
  }

  const result = await change(sub, target, entries, {
    ifMatch: values['if-match'],
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    egress: values.egress === true,
    emptyGiven: isEmptyListArgument(positionals) && values.file === undefined,
    info,
  });

  const data = {
    dryRun: result.dryRun,
    etag: result.etag ?? null,
    added: result.added,
    removed: result.removed,
    updated: result.updated,
    ...(result.after === undefined ? {} : toWire(result.after)),
  };
  if (sub === 'disable') process.stderr.write(disableWarning(result.dryRun));
  printResult(output, data, { table: () => changeText(result, info) });
  return 0;
}

function changeText(result: Change, info: EntryInfo | undefined): string {
  const lines: string[] = [];
  if (result.added.length > 0) lines.push(`added:   ${result.added.join(' ')}`);
  if (result.removed.length > 0) lines.push(`removed: ${result.removed.join(' ')}`);
  if (result.updated.length > 0) lines.push(`updated: ${result.updated.join(' ')} (note or expiry time)`);
  if (info !== undefined && (result.added.length > 0 || result.updated.length > 0)) lines.push(`with:    ${describeInfo(info, Date.now())}`);
  if (result.added.length === 0 && result.removed.length === 0 && result.updated.length === 0) lines.push('no entries added or removed');
  if (result.after !== undefined) lines.push(summaryLine(result.after));
  if (result.etag !== undefined && !result.dryRun) lines.push(`etag:    ${result.etag}`);
  lines.push(result.dryRun ? 'dry run: nothing was changed' : 'applied');
  return `${lines.join('\n')}\n`;
}
