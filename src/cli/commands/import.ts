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
import { parseCommandArgs } from '../args.js';
import { adminRequest, profileOf as answerProfile, profilePath, resolveTarget, unexpectedAnswer, type ServerTarget } from '../client.js';
import { readTextInput } from '../input.js';
import { diffLists, diffText, importJson, importYaml } from '../import-output.js';
import { writeJson } from '../output.js';
import { disableWarning } from '../disable-warning.js';

const HELP = `Usage: ipgate import aks|gke|eks FILE|- [-o json|yaml]
       ipgate import aks|gke|eks FILE|- --server URL --token-file F [--yes] [--force] [--profile NAME]

Reads a managed cluster's description and prints its authorized IP ranges as an ipgate profile:
  aks  the JSON of: az aks show --resource-group RG --name CLUSTER
       (apiServerAccessProfile.authorizedIpRanges; a service tag is kept as written)
  gke  the JSON of: gcloud container clusters describe CLUSTER --location L --format json
       (masterAuthorizedNetworksConfig.cidrBlocks; each displayName becomes the entry's note)
  eks  the JSON of: aws eks describe-cluster --name CLUSTER
       (cluster.resourcesVpcConfig.publicAccessCidrs; EKS's default 0.0.0.0/0 means open)
A cluster whose list is off or open is imported as a disabled profile (every address may connect); a
cluster without a public endpoint has no list to import (ERR_IMPORT_NO_PUBLIC_ENDPOINT). What does not
carry over (the outbound IPs AKS admits by itself, private endpoints) is said in warnings.

Options:
  -o, --output json|yaml  json (default): the profile in the store's JSON shape; yaml: a config
                          'profile:' section, notes and warnings as comments
  --server URL            apply to a running gateway: shows the difference and checks it with a dry
                          run (text, or -o json); the gateway's egress ranges are kept
  --token-file F          the admin token (or IPGATE_TOKEN_FILE)
  --yes                   with --server: apply after the dry run
  --force                 with --server: apply even if it would refuse your own address
  --profile NAME          with --server: a named profile of a gateway with an etcd store
  --timeout SECONDS       with --server: give up after this long (default 10)
  -h, --help              show this help

Exit status: 0 printed or applied (or the dry run passed), 2 bad input or a refusal by the gateway.
`;

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
  const args = parseCommandArgs({
    name: 'import', help: HELP, maxPositionals: 2,
    options: {
      output: { type: 'string', short: 'o' }, server: { type: 'string' }, 'token-file': { type: 'string' }, yes: { type: 'boolean' },
      force: { type: 'boolean' }, profile: { type: 'string' }, timeout: { type: 'string' },
    },
  }, argv);
  if (args === undefined) return 0;
  const [provider, file] = args.positionals;
  if (provider === undefined || !(CLOUD_PROVIDERS as readonly string[]).includes(provider)) {
    throw new IpgateError('ERR_USAGE', `ipgate import: say which cloud the description is from: aks, gke or eks${provider === undefined ? '' : `, not ${JSON.stringify(provider)}`}; see 'ipgate import --help'`,
      { input: provider ?? '' });
  }
  if (file === undefined) throw new IpgateError('ERR_USAGE', `ipgate import ${provider}: give the FILE with the cluster's JSON, or - for standard input`);
  const output = args.values.output;
  if (output !== undefined && output !== 'json' && output !== 'yaml') {
    throw new IpgateError('ERR_USAGE', `ipgate import: --output must be json or yaml, not ${JSON.stringify(output)}`, { input: output });
  }
  const { values } = args;
  const serverMode = values.server !== undefined;
  if (!serverMode) {
    const used = (['yes', 'force', 'profile', 'token-file', 'timeout'] as const).find((f) => values[f] !== undefined);
    if (used !== undefined) throw new IpgateError('ERR_USAGE', `ipgate import: --${used} applies with --server only`, { input: `--${used}` });
  } else if (output === 'yaml') {
    throw new IpgateError('ERR_USAGE', 'ipgate import: with --server the result is the difference to the gateway (text, or -o json)', { input: '-o yaml' });
  }
  const cloud = provider as CloudProvider;
  const { source, text } = await readTextInput(file, 'the cluster description');
  const imported = READERS[cloud](parseJson(text, source, cloud), source);
  if (serverMode) {
    const resolved = resolveTarget(values.server, values['token-file'], values.timeout);
    const target = values.profile === undefined ? resolved : { ...resolved, profile: checkProfileName(values.profile, '--profile') };
    return apply(imported, target, { yes: values.yes === true, force: values.force === true, json: output === 'json' });
  }
  if (output === 'yaml') {
    process.stdout.write(importYaml(imported, source));
    return 0;
  }
  for (const w of imported.warnings) process.stderr.write(`ipgate import: warning: ${w}\n`);
  writeJson(importJson(imported));
  return 0;
}
