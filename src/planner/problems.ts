/**
 * Topology problems: each names the key path it is about (`clients[1].via.vpn`), and TopologyError carries
 * every problem of a topology at once.
 */
import { IpgateError } from '../errors.js';
import { formatKeyedProblem, type KeyedProblem } from '../text/key-path.js';

/** A problem with its key path, e.g. `clients[1].via.vpn` (empty for the whole document). */
export type TopologyProblem = KeyedProblem;

export class TopologyError extends IpgateError {
  readonly problems: readonly TopologyProblem[];

  constructor(source: string, problems: readonly TopologyProblem[]) {
    const n = problems.length;
    super('ERR_TOPOLOGY_INVALID', `${source} is not a valid topology (${n} problem${n === 1 ? '' : 's'}): ${problems.map(formatKeyedProblem).join('; ')}`, { input: source });
    this.name = 'TopologyError';
    this.problems = problems;
  }
}
