/** `ipgate plan TOPOLOGY [--target aks|gke|eks] [--config F | --sources F] [-o text|json|yaml|dot]`: the access planner. */
import { readFile } from 'node:fs/promises';
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { EXIT_USAGE, printResult } from '../output.js';
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

export const COMMAND = {
  name: 'plan',
  summary: 'plan the access paths of clients to an API server from a topology',
  usage: ['TOPOLOGY [--target aks|gke|eks] [--config FILE | --sources FILE] [-o text|json|yaml|dot]'],
  description: `Reads a topology (YAML: the cluster and its access profile, networks, peerings, VPN gateways and clients)
and says, for every client, which way its connection to the API server takes (the internal VIP of API
server VNet integration, which authorized IP ranges do not apply to, or the public endpoint), which
addresses the API server sees, whether it gets in, and what to change when it does not. Then it reports
entries of the authorized IP ranges that admit no client, private entries, and the entry count against
the provider's limit (with the optimal condensed list when over it).

References to published range lists in sourceIpRanges (azure:AzureCloud.westeurope, github:actions)
are resolved with the range sources of --config (an ipgate config) or --sources (a file with just
sources:), offline: from their cached copies and local files; without either they are undecidable.
A client with 'expect: blocked' is meant to stay out: the proposed list never admits it, and the plan
says when it gets in.`,
  options: [
    { name: 'target', type: 'string', value: 'NAME', default: 'aks', help: 'provider limit to check the list against: aks (200), gke (50), eks (40)' },
    { name: 'config', type: 'string', value: 'FILE', help: 'resolve references with the range sources of this ipgate config' },
    { name: 'sources', type: 'string', value: 'FILE', help: 'resolve references with the range sources listed in FILE (sources: [...])' },
  ],
  output: { human: 'text', forms: ['text', 'json', 'yaml', 'dot'], help: 'dot: Graphviz (ipgate plan topology.yaml -o dot | dot -Tsvg > plan.svg)' },
  examples: [
    'ipgate plan examples/topology.yaml',
    'ipgate plan examples/topology.yaml -o dot | dot -Tsvg > plan.svg',
    'ipgate plan examples/topology.yaml --target gke -o json',
    'ipgate plan examples/aks-vnet-vpn-devops.yaml --sources examples/aks-vnet-vpn-devops.sources.yaml',
  ],
  exitCodes: [
    [0, 'every client gets what it is meant to (in, or kept out with expect: blocked)'],
    [1, 'some client is blocked, undecidable, or gets in though meant to stay out'],
    [2, 'bad input (topology or usage)'],
  ],
  maxPositionals: 1,
} as const satisfies CommandDef;

function isTarget(value: string): value is Target {
  return Object.hasOwn(TARGET_LIMITS, value);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const file = args.positionals[0];
  if (file === undefined) throw usageError('plan', 'missing TOPOLOGY file');
  const output = args.output;
  if (args.values.config !== undefined && args.values.sources !== undefined) {
    throw usageError('plan', 'give --config or --sources, not both', '--sources');
  }
  const target = args.values.target ?? 'aks';
  if (!isTarget(target)) throw usageError('plan', `unknown --target ${JSON.stringify(target)}; expected aks, gke or eks`, target);
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
    if (output === 'json' || output === 'yaml') {
      printResult(output, { error: { code: error.code, message: `${file} is not a valid topology`, problems: error.problems } }, {});
    } else {
      const n = error.problems.length;
      process.stderr.write(`ipgate: ${file} is not a valid topology, ${n} problem${n === 1 ? '' : 's'} (${error.code}):\n`);
      for (const p of error.problems) process.stderr.write(`  ${formatKeyedProblem(p)} [${p.code}]\n`);
    }
    return EXIT_USAGE;
  }
  const sources = await planSources({ config: args.values.config, sources: args.values.sources });
  const plan = planTopology(topology, { target, ...(sources === undefined ? {} : { resolve: sources.resolve }) });
  printResult(output, plan, { text: () => renderText(plan, topology), dot: () => renderDot(plan, topology) });
  return allAsExpected(plan) ? 0 : 1;
}
