/** `ipgate plan TOPOLOGY [--output text|json|dot] [--target aks|gke|eks] [--config F | --sources F]`: the access planner. */
import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { EXIT_USAGE, writeJson } from '../output.js';
import { IpgateError } from '../../errors.js';
import { TARGET_LIMITS, type Target } from '../../planner/findings.js';
import { parseTopology } from '../../planner/parse-topology.js';
import { allAsExpected, planTopology } from '../../planner/plan.js';
import { TopologyError } from '../../planner/problems.js';
import { formatKeyedProblem } from '../../text/key-path.js';
import { renderDot } from '../../planner/render-dot.js';
import { renderText } from '../../planner/render-text.js';
import { describeFileError } from '../../fs/file-error.js';
import { planSources } from '../plan-sources.js';

const HELP = `Usage: ipgate plan TOPOLOGY [--output text|json|dot] [--target aks|gke|eks] [--config FILE | --sources FILE]

Reads a topology (YAML: the cluster and its access profile, networks, peerings, VPN gateways and clients)
and says, for every client, which way its connection to the API server takes (the internal VIP of API
server VNet integration, which authorized IP ranges do not apply to, or the public endpoint), which
addresses the API server sees, whether it gets in, and what to change when it does not. Then it reports
entries of the authorized IP ranges that admit no client, private entries, and the entry count against
the provider's limit (with the optimal condensed list when over it).

References to published range lists in sourceIpRanges (azure:AzureCloud.westeurope, github:actions)
are resolved with the range sources of --config (an ipgate config) or --sources (a file with just
sources:), offline: from their cached copies and local files; without either they are undecidable.
A client with 'expect: blocked' is meant to stay out: the proposed list never admits it, and the plan
says when it gets in.

Options:
  --output FORMAT  text (default), json, or dot (Graphviz: dot -Tsvg plan.dot > plan.svg)
  --target NAME    provider limit to check the list against: aks (200, default), gke (50), eks (40)
  --config FILE    resolve references with the sources of this ipgate config
  --sources FILE   resolve references with the sources listed in FILE (sources: [...])
  -h, --help       show this help

Exit status: 0 every client gets what it is meant to (in, or kept out with expect: blocked), 1 some
client is blocked, undecidable, or gets in though meant to stay out, 2 bad input (topology or usage).
`;

const SPEC = {
  name: 'plan',
  help: HELP,
  options: { output: { type: 'string' }, target: { type: 'string' }, config: { type: 'string' }, sources: { type: 'string' } },
  maxPositionals: 1,
} as const;

function isTarget(value: string): value is Target {
  return Object.hasOwn(TARGET_LIMITS, value);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args === undefined) return 0;
  const file = args.positionals[0];
  if (file === undefined) throw new IpgateError('ERR_USAGE', "ipgate plan: missing TOPOLOGY file; see 'ipgate plan --help'");
  const output = args.values.output ?? 'text';
  if (output !== 'text' && output !== 'json' && output !== 'dot') {
    throw new IpgateError('ERR_USAGE', `ipgate plan: unknown --output ${JSON.stringify(output)}; expected text, json or dot`, { input: output });
  }
  if (args.values.config !== undefined && args.values.sources !== undefined) {
    throw new IpgateError('ERR_USAGE', 'ipgate plan: give --config or --sources, not both', { input: '--sources' });
  }
  const target = args.values.target ?? 'aks';
  if (!isTarget(target)) {
    throw new IpgateError('ERR_USAGE', `ipgate plan: unknown --target ${JSON.stringify(target)}; expected aks, gke or eks`, { input: target });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `Cannot read topology file ${file} (${describeFileError(error)})`, { input: file });
  }
  let topology;
  try {
    topology = parseTopology(text, file);
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    if (output === 'json') {
      writeJson({ error: { code: error.code, message: `${file} is not a valid topology`, problems: error.problems } });
    } else {
      const n = error.problems.length;
      process.stderr.write(`ipgate: ${file} is not a valid topology, ${n} problem${n === 1 ? '' : 's'} (${error.code}):\n`);
      for (const p of error.problems) process.stderr.write(`  ${formatKeyedProblem(p)} [${p.code}]\n`);
    }
    return EXIT_USAGE;
  }
  const sources = await planSources({ config: args.values.config, sources: args.values.sources });
  const plan = planTopology(topology, { target, ...(sources === undefined ? {} : { resolve: sources.resolve }) });
  if (output === 'json') writeJson(plan);
  else if (output === 'dot') process.stdout.write(renderDot(plan, topology));
  else process.stdout.write(renderText(plan, topology));
  return allAsExpected(plan) ? 0 : 1;
}
