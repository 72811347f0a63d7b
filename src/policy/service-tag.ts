/**
 * Azure service tags (`AzureCloud`, `AzureCloud.westeurope`, `Storage.EastUS2`) may stand in an AKS list of
 * authorized IP ranges (preview feature). A tag is a name, not an address: letters and digits starting with
 * an upper-case letter, optionally followed by one `.region` part.
 */
const SERVICE_TAG = /^[A-Z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?$/;

/** Whether an entry that is not an address looks like an Azure service tag name. */
export function looksLikeServiceTag(entry: string): boolean {
  return SERVICE_TAG.test(entry);
}
