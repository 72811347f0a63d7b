/**
 * Taking the nftables data plane's rules down on purpose: `table inet ipgate` is deleted in one transaction
 * (a running ipgate, or the last one, left it in place so the kernel kept enforcing). Absent is not an error.
 */
import { NftCli } from './nft.js';
import { deleteTable, TABLE } from './ruleset.js';

export async function removeTable(binary: string): Promise<{ removed: boolean; table: string }> {
  const nft = new NftCli(binary);
  const table = `inet ${TABLE}`;
  const listed = await nft.run(['list', 'tables', 'inet']);
  if (listed.code !== 0) throw nft.failure(listed, 'could not list the tables');
  if (!new RegExp(`^table inet ${TABLE}$`, 'm').test(listed.stdout)) return { removed: false, table };
  await nft.apply(deleteTable());
  return { removed: true, table };
}
