/**
 * What the CLI says when a change disables the authorized ranges (`ranges disable`, AKS's `ranges set ""`,
 * an import of an open cluster): the same words everywhere, so nobody opens a cluster without noticing.
 */
export function disableWarning(dryRun: boolean): string {
  return `ipgate: warning: ${dryRun ? 'this would disable' : 'disabled'} authorized IP ranges: every address may connect`
    + ' (the egress ranges change nothing then); restore a list with \'ipgate ranges set FILE\'\n';
}
