/**
 * Config problems: each names the key path it is about (`listeners[0].address`), and ConfigError carries
 * every problem of a config at once, each with its own code.
 */
import { IpgateError } from '../errors.js';
import { formatKeyedProblem, type KeyedProblem } from '../text/key-path.js';

export type ConfigProblem = KeyedProblem;

export class ConfigError extends IpgateError {
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    // Each problem carries its own code (ERR_CONFIG_YAML, ERR_CONFIG_TYPE, ...), shown after it.
    super('ERR_CONFIG_INVALID', `Config ${source} is invalid: ${problems.map((p) => `${formatKeyedProblem(p)} [${p.code}]`).join('; ')}`, { input: source });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
