/** `ipgate plan TOPOLOGY [--output text|json|dot] [--target aks|gke|eks]`: the access planner. */
import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { EXIT_USAGE, writeJson } from '../output.js';
import { IpgateError } from '../../errors.js';
import { TARGET_LIMITS, type Target } from '../../planner/findings.js';
import { parseTopology } from '../../planner/parse-topology.js';
import { allReachable, planTopology } from '../../planner/plan.js';
import { TopologyError } from '../../planner/problems.js';
import { formatKeyedProblem } from '../../text/key-path.js';
import { renderDot } from '../../planner/render-dot.js';
import { renderText } from '../../planner/render-text.js';
import { describeFileError } from '../../fs/file-error.js';

const HELP = `Usage: ipgate plan TOPOLOGY [--output text|json|dot] [--target aks|gke|eks]

Reads a topology (YAML: the cluster and its access profile, networks, peerings, VPN gateways and clients)
and says, for every client, which way its connection to the API server takes (the internal VIP of API
server VNet integration, which authorized IP ranges do not apply to, or the public endpoint), which
addresses the API server sees, whether it gets in, and what to change when it does not. Then it reports
entries of the authorized IP ranges that admit no client, private entries, and the entry count against
the provider's limit (with the optimal condensed list when over it).

Options:
  --output FORMAT  text (default), json, or dot (Graphviz: dot -Tsvg plan.dot > plan.svg)
  --target NAME    provider limit to check the list against: aks (200, default), gke (50), eks (40)
  -h, --help       show this help

Exit status: 0 every client reaches the API server, 1 some client is blocked or undecidable,
2 bad input (topology or usage).
`;

const SPEC = {
  name: 'plan',
  help: HELP,
  options: { output: { type: 'string' }, target: { type: 'string' } },
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
  const plan = planTopology(topology, { target });
  if (output === 'json') writeJson(plan);
  else if (output === 'dot') process.stdout.write(renderDot(plan, topology));
  else process.stdout.write(renderText(plan, topology));
  return allReachable(plan) ? 0 : 1;
}
