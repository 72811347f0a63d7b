/**
 * `ipgate import aks|gke|eks FILE|-`: a managed cluster's authorized ranges as an ipgate profile, printed
 * (JSON in the store's shape, or `-o yaml` as a config `profile:` section), or applied to a running gateway
 * with `--server`: a dry run first that shows the difference, `--yes` to apply it.
 */
import { IpgateError } from '../../errors.js';
import { CLOUD_PROVIDERS, profileOf, type CloudProvider, type ImportedProfile } from '../../policy/cloud-import.js';
import { importAks } from '../../policy/cloud-import-aks.js';
import { importEks } from '../../policy/cloud-import-eks.js';
import { importGke } from '../../policy/cloud-import-gke.js';
import { checkProfileName } from '../../policy/profile-name.js';
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { ERROR_EXITS, SERVER_OPTIONS } from '../common-options.js';
import { adminRequest, profileOf as answerProfile, profilePath, resolveTarget, unexpectedAnswer, type ServerTarget } from '../client.js';
import { readTextInput } from '../input.js';
import { diffLists, diffText, importJson, importYaml } from '../import-output.js';
import { writeJson } from '../output.js';
import { disableWarning } from '../disable-warning.js';

const SERVER_ROW = {
  name: 'server', type: 'string', value: 'URL',
  help: `apply to this gateway's admin API: shows the difference and checks it with a
dry run; --yes applies it; the gateway's egress ranges are kept (IPGATE_SERVER
alone does not switch import to applying: give --server)`,
} as const;

export const COMMAND = {
  name: 'import',
  summary: 'import the authorized ranges of an AKS, GKE or EKS cluster (az/gcloud/aws JSON)',
  usage: ['aks|gke|eks FILE|- [-o json|yaml]', 'aks|gke|eks FILE|- --server URL --token-file FILE [--yes] [--force] [--profile NAME] [-o text|json]'],
  description: `Reads a managed cluster's description and prints its authorized IP ranges as an ipgate profile.
The description is the JSON the provider's CLI prints:
  aks  the JSON of: az aks show --resource-group RG --name CLUSTER
       (apiServerAccessProfile.authorizedIpRanges; a service tag is kept as written)
  gke  the JSON of: gcloud container clusters describe CLUSTER --location L --format json
       (masterAuthorizedNetworksConfig.cidrBlocks; each displayName becomes the entry's note)
  eks  the JSON of: aws eks describe-cluster --name CLUSTER
       (cluster.resourcesVpcConfig.publicAccessCidrs; EKS's default 0.0.0.0/0 means open)
A cluster whose list is off or open is imported as a disabled profile (every address may connect); a
cluster without a public endpoint has no list to import (ERR_IMPORT_NO_PUBLIC_ENDPOINT). What does not
carry over (the outbound IPs AKS admits by itself, private endpoints) is said in warnings.`,
  options: [
    SERVER_ROW,
    ...SERVER_OPTIONS.filter((o) => o.name !== 'server'),
    { name: 'yes', type: 'boolean', help: 'with --server: apply after the dry run' },
    { name: 'force', type: 'boolean', help: 'with --server: apply even if it would refuse your own address' },
    { name: 'profile', type: 'string', value: 'NAME', help: 'with --server: a named profile of a gateway with an etcd store' },
  ],
  output: {
    human: 'json',
    forms: ['json', 'yaml', 'text'],
    help: `json: the profile in the store's JSON shape (an entry with a note is {range, note});
yaml: a config 'profile:' section, notes and warnings as comments.
With --server: text (the default there) shows the difference, json the same as data`,
  },
  examples: [
    'az aks show -g RG -n CLUSTER -o json | ipgate import aks -',
    'ipgate import gke cluster.json -o yaml >> ipgate.yaml',
    'ipgate import eks cluster.json --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate import eks cluster.json --server http://127.0.0.1:9090 --token-file admin.token --yes',
  ],
  exitCodes: [[0, 'printed or applied (or the dry run passed)'], ...ERROR_EXITS],
  maxPositionals: 2,
} as const satisfies CommandDef;

const READERS: Readonly<Record<CloudProvider, (document: unknown, source: string) => ImportedProfile>> = { aks: importAks, gke: importGke, eks: importEks };

function parseJson(text: string, source: string, provider: CloudProvider): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new IpgateError('ERR_IMPORT_SHAPE', `${source} is not JSON (${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ')})`, {
      input: source, suggestion: provider === 'gke' ? 'add --format json to the gcloud command' : 'save the command\'s output with --output json',
    });
  }
}

async function apply(imported: ImportedProfile, target: ServerTarget, flags: { yes: boolean; force: boolean; json: boolean }): Promise<number> {
  const read = await adminRequest(target, 'GET', profilePath(target));
  const current = answerProfile(read.body);
  if (current === undefined) throw unexpectedAnswer('GET /v1/profile', target.baseUrl);
  const next = { authorizedIpRanges: profileOf(imported).authorizedIpRanges, egressIpRanges: current.egressIpRanges };
  const authorized = diffLists(current.authorizedIpRanges, next.authorizedIpRanges);
  const send = (dryRun: boolean): ReturnType<typeof adminRequest> => adminRequest(target, 'PUT', profilePath(target), {
    body: next,
    headers: read.etag === undefined ? {} : { 'if-match': read.etag },
    query: { dryRun: dryRun ? 'true' : undefined, force: flags.force ? 'true' : undefined },
  });
  await send(true);
  const applied = flags.yes ? await send(false) : undefined;
  const notes = imported.authorizedIpRanges.filter((e) => e.note !== undefined);
  if (flags.json) {
    writeJson({
      cluster: imported.cluster, provider: imported.provider, dryRun: applied === undefined, etag: applied?.etag ?? read.etag ?? null,
      authorizedIpRanges: { added: authorized.added, removed: authorized.removed }, egressIpRanges: 'kept', warnings: imported.warnings,
      ...(notes.length === 0 ? {} : { notes: Object.fromEntries(notes.map((e) => [e.range, e.note])) }),
    });
  } else {
    const lines = [
      `ipgate import: ${imported.provider} cluster ${imported.cluster} -> ${target.baseUrl}${target.profile === undefined ? '' : ` (profile ${target.profile})`}`,
      ...imported.warnings.map((w) => `warning: ${w}`),
      `authorizedIpRanges: ${next.authorizedIpRanges.length} entr${next.authorizedIpRanges.length === 1 ? 'y' : 'ies'} (the gateway has ${current.authorizedIpRanges.length}; ${authorized.kept} kept)`,
      ...diffText(authorized),
      `egressIpRanges: kept as they are on the gateway (${current.egressIpRanges.length}): the cloud's description holds no egress addresses`,
      ...(notes.length === 0 ? [] : [`notes (shown here, not sent to the gateway): ${notes.map((e) => `${e.range} "${e.note ?? ''}"`).join(', ')}`]),
      applied === undefined ? 'dry run: the gateway accepts this profile; nothing was changed. Run again with --yes to apply it.' : `applied${applied.etag === undefined ? '' : ` (etag ${applied.etag})`}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (next.authorizedIpRanges.length === 0 && current.authorizedIpRanges.length > 0) process.stderr.write(disableWarning(applied === undefined));
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const [provider, file] = args.positionals;
  if (provider === undefined || !(CLOUD_PROVIDERS as readonly string[]).includes(provider)) {
    throw usageError('import', `say which cloud the description is from: aks, gke or eks${provider === undefined ? '' : `, not ${JSON.stringify(provider)}`}`, provider ?? '');
  }
  if (file === undefined) throw usageError('import', `give the FILE with the ${provider} cluster's JSON, or - for standard input`);
  const { values } = args;
  // Applying is asked for on the command line only, never by the environment alone.
  const serverMode = values.server !== undefined;
  // -o given (the default form differs by mode: json offline, text with --server).
  const explicit = (values as Readonly<Record<string, unknown>>)['output'] !== undefined;
  if (!serverMode) {
    const used = (['yes', 'force', 'profile', 'token-file', 'context', 'cacert', 'cert', 'key', 'timeout'] as const).find((f) => values[f] !== undefined && !args.fromEnv.has(f));
    if (used !== undefined) throw usageError('import', `--${used} applies with --server only`, `--${used}`);
    if (args.output === 'text') throw usageError('import', '-o text is the difference to a gateway: give --server (offline: json or yaml)', 'text');
  } else if (args.output === 'yaml') {
    throw usageError('import', 'with --server the result is the difference to the gateway (text, or -o json)', 'yaml');
  }
  const cloud = provider as CloudProvider;
  const { source, text } = await readTextInput(file, 'the cluster description');
  const imported = READERS[cloud](parseJson(text, source, cloud), source);
  if (serverMode) {
    const resolved = resolveTarget(values);
    const target = values.profile === undefined ? resolved : { ...resolved, profile: checkProfileName(values.profile, '--profile') };
    return apply(imported, target, { yes: values.yes === true, force: values.force === true, json: explicit && args.output === 'json' });
  }
  if (args.output === 'yaml') {
    process.stdout.write(importYaml(imported, source));
    return 0;
  }
  for (const w of imported.warnings) process.stderr.write(`ipgate import: warning: ${w}\n`);
  writeJson(importJson(imported));
  return 0;
}
