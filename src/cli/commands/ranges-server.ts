import { IpgateError } from '../../errors.js';

export async function run(sub: string, argv: string[]): Promise<number> {
  void argv;
  throw new IpgateError('ERR_NOT_IMPLEMENTED', `ipgate ranges ${sub} is not available yet`);
}
