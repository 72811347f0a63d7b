/**
 * `ipgate ranges show|set|add|remove|disable`: read or change the ranges of a running gateway through its
 * admin API. Changes are compare-and-swap: `set`, `disable` and egress edits read the profile and write it
 * back with its ETag, so a concurrent change is never overwritten silently.
 */
import { readFileSync } from 'node:fs';
import { IpgateError } from '../../errors.js';
import { checkProfileName } from '../../policy/profile-name.js';
import { parseCommandArgs, type CommandSpec } from '../args.js';
import { adminRequest, profileOf, profilePath, resolveTarget, unexpectedAnswer, type ServerTarget } from '../client.js';
import { writeJson } from '../output.js';
import { formatProfile, summaryLine, type ProfileView } from '../profile-view.js';
import { describeFileError } from '../../fs/file-error.js';
import { isJsonList, jsonListEntries } from '../list-text.js';
import { disableWarning } from '../disable-warning.js';

type Sub = 'show' | 'set' | 'add' | 'remove' | 'disable';

const COMMON = `  --server URL        the gateway's admin API (or IPGATE_SERVER), e.g. http://127.0.0.1:9090
  --token-file F      file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  --output table|json plain text (default) or JSON for scripts
  --timeout SECONDS   give up after this long (default 10)
  --profile NAME      a named profile of a gateway with an etcd store (admin path /v1/profiles/NAME);
                      default: the profile the gateway enforces`;

const CHANGE = `  --if-match ETAG     only change the profile if it still has this ETag (from 'ranges show')
  --dry-run           validate and show the result; change nothing
  --force             apply even if it would refuse your own address (lockout protection)
  --egress            edit the egress ranges (always allowed) instead of the authorized ranges`;

const HELP: Record<Sub, string> = {
  show: `Usage: ipgate ranges show --server URL --token-file F [--output json]

Shows the gateway's profile: authorized ranges, egress ranges and the ETag.
${COMMON}`,
  set: `Usage: ipgate ranges set (FILE | ENTRY...) [--file F] --server URL --token-file F [options]

Replaces the authorized ranges (or, with --egress, the egress ranges) with the entries given: one FILE
(one entry per line, '#' comments, commas allowed, or a JSON array as 'az aks show --query
apiServerAccessProfile.authorizedIpRanges' prints it), entries on the command line (comma-separated
as AKS takes them: 73.140.245.0/24,193.168.1.0/24), or --file.
'ipgate ranges set ""' disables the restriction (every address may connect), as
'az aks update --api-server-authorized-ip-ranges ""' does; so does 'ipgate ranges disable'.
${COMMON}
${CHANGE}`,
  add: `Usage: ipgate ranges add ENTRY... [--file F] --server URL --token-file F [options]

Adds entries (CIDRs or addresses, also comma-separated: A,B) to the authorized ranges (or, with --egress,
the egress ranges).
${COMMON}
${CHANGE}`,
  remove: `Usage: ipgate ranges remove ENTRY... [--file F] --server URL --token-file F [options]

Removes entries (also comma-separated: A,B) from the authorized ranges (or, with --egress, the egress
ranges). Removing the last authorized entry is refused: it would let every address connect; to do that on
purpose, use 'ipgate ranges disable'.
Refused with ERR_LOCKOUT if it would refuse your own address, unless --force.
${COMMON}
${CHANGE}`,
  disable: `Usage: ipgate ranges disable --server URL --token-file F [options]

Empties the authorized ranges: the feature is disabled and every address may connect (AKS semantics).
${COMMON}
  --if-match ETAG     only change the profile if it still has this ETag
  --dry-run           show the result; change nothing`,
};

const OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
  'if-match': { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  egress: { type: 'boolean' },
  file: { type: 'string', multiple: true },
  profile: { type: 'string' },
} as const;

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

/** PUT the whole profile, guarded by an ETag. */
async function putProfile(
  target: ServerTarget,
  profile: { authorizedIpRanges: readonly string[]; egressIpRanges: readonly string[] },
  ifMatch: string | undefined,
  dryRun: boolean,
  force: boolean,
): Promise<{ after: ProfileView | undefined; etag: string | undefined }> {
  const res = await adminRequest(target, 'PUT', profilePath(target), {
    body: { authorizedIpRanges: profile.authorizedIpRanges, egressIpRanges: profile.egressIpRanges },
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
  flags: { ifMatch: string | undefined; dryRun: boolean; force: boolean; egress: boolean },
): Promise<Change> {
  const { ifMatch, dryRun, force, egress } = flags;
  if ((sub === 'add' || sub === 'remove') && entries.length === 0) {
    throw new IpgateError('ERR_USAGE', `ipgate ranges ${sub}: give at least one entry (or --file F)`);
  }
  if (sub === 'set' && entries.length === 0) {
    throw new IpgateError('ERR_USAGE', `ipgate ranges set: give a FILE or entries; to let every address connect use 'ipgate ranges disable'`, {
      suggestion: 'ipgate ranges disable',
    });
  }

  // add/remove: the server's PATCH does it atomically (and compares entries in canonical form).
  if (sub === 'add' || sub === 'remove') {
    const key = egress ? (sub === 'add' ? 'addEgress' : 'removeEgress') : sub;
    const res = await adminRequest(target, 'PATCH', profilePath(target), {
      body: { [key]: entries },
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
      query: changeQuery(dryRun, force),
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
    };
  }

  // set and disable: read, replace the list, write back guarded by the ETag read (or the one given).
  const before = await readProfile(target);
  const guard = ifMatch ?? before.etag;
  const current = egress ? before.egressIpRanges : before.authorizedIpRanges;
  const next = sub === 'set' ? entries : [];
  const profile = egress
    ? { authorizedIpRanges: before.authorizedIpRanges, egressIpRanges: next }
    : { authorizedIpRanges: next, egressIpRanges: before.egressIpRanges };
  const { after, etag } = await putProfile(target, profile, guard, dryRun, force);
  const result = after ?? (dryRun ? { ...profile, etag: undefined } : await readProfile(target));
  return {
    before,
    after: result,
    etag: result.etag ?? etag,
    dryRun,
    added: next.filter((x) => !current.includes(x)),
    removed: current.filter((c) => !next.includes(c)),
  };
}

export async function run(given: Sub, argv: string[]): Promise<number> {
  let sub = given;
  const spec: CommandSpec<typeof OPTIONS> = {
    name: `ranges ${sub}`,
    help: HELP[sub],
    options: OPTIONS,
    maxPositionals: sub === 'show' || sub === 'disable' ? 0 : Number.MAX_SAFE_INTEGER,
  };
  const parsed = parseCommandArgs(spec, argv);
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') {
    throw new IpgateError('ERR_USAGE', `--output "${output}" must be table or json`, { input: output });
  }
  const changeFlags = ['if-match', 'dry-run', 'force', 'egress', 'file'] as const;
  if (sub === 'show') {
    const used = changeFlags.find((f) => values[f] !== undefined);
    if (used !== undefined) throw new IpgateError('ERR_USAGE', `ipgate ranges show does not take --${used}`, { input: `--${used}` });
  }
  if (sub === 'disable' && (values.egress === true || values.file !== undefined || values.force === true)) {
    throw new IpgateError('ERR_USAGE', 'ipgate ranges disable takes no --egress, --file or --force (disabling never locks anyone out)');
  }

  // `ranges set ""` is AKS's way to disable (az aks update --api-server-authorized-ip-ranges "").
  if (sub === 'set' && isEmptyListArgument(positionals) && values.file === undefined && values.egress !== true) {
    if (values.force === true) throw new IpgateError('ERR_USAGE', 'ipgate ranges set "" disables; it takes no --force (disabling never locks anyone out)');
    sub = 'disable';
  }
  const resolved = resolveTarget(values.server, values['token-file'], values.timeout);
  const target = values.profile === undefined ? resolved : { ...resolved, profile: checkProfileName(values.profile, '--profile') };

  if (sub === 'show') {
    const profile = await readProfile(target);
    if (output === 'json') writeJson(profile);
    else process.stdout.write(formatProfile(profile));
    return 0;
  }

  const entries: string[] = [];
  for (const file of values.file ?? []) entries.push(...readEntriesFile(file));
  if (sub === 'set' && positionals.length === 1 && values.file === undefined && isReadableFile(positionals[0] ?? '')) {
    entries.push(...readEntriesFile(positionals[0] ?? ''));
  } else if (sub !== 'disable') {
    for (const p of positionals) entries.push(...entriesOfText(p, 'the command line'));
  }

  const result = await change(sub, target, entries, {
    ifMatch: values['if-match'],
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    egress: values.egress === true,
  });

  if (output === 'json') {
    if (sub === 'disable') process.stderr.write(disableWarning(result.dryRun));
    writeJson({
      dryRun: result.dryRun,
      etag: result.etag ?? null,
      added: result.added,
      removed: result.removed,
      ...(result.after === undefined
        ? {}
        : { authorizedIpRanges: result.after.authorizedIpRanges, egressIpRanges: result.after.egressIpRanges }),
    });
    return 0;
  }
  if (sub === 'disable') process.stderr.write(disableWarning(result.dryRun));
  const lines: string[] = [];
  if (result.added.length > 0) lines.push(`added:   ${result.added.join(' ')}`);
  if (result.removed.length > 0) lines.push(`removed: ${result.removed.join(' ')}`);
  if (result.added.length === 0 && result.removed.length === 0) lines.push('no entries added or removed');
  if (result.after !== undefined) lines.push(summaryLine(result.after));
  if (result.etag !== undefined && !result.dryRun) lines.push(`etag:    ${result.etag}`);
  lines.push(result.dryRun ? 'dry run: nothing was changed' : 'applied');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
