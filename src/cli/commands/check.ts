import { IpgateError } from '../../errors.js';

export async function run(argv: string[]): Promise<number> {
  void argv;
  throw new IpgateError('ERR_NOT_IMPLEMENTED', 'ipgate check is not available yet');
}
