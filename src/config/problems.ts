/**
 * Config problems: each names the key path it is about (`listeners[0].address`), and ConfigError carries
 * every problem of a config at once.
 */
import { IpgateError } from '../errors.js';
import { formatKeyedProblem, type KeyedProblem } from '../text/key-path.js';

export type ConfigProblem = KeyedProblem;

export class ConfigError extends IpgateError {
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    super('ERR_CONFIG_INVALID', `Config ${source} is invalid: ${problems.map(formatKeyedProblem).join('; ')}`, { input: source });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
