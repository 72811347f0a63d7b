/** Opens the store the config names: etcd, a file, or (neither) the config's profile held in memory. */
import type { GatewayConfig } from '../config/types.js';
import { IpgateError } from '../errors.js';
import type { ProfileCheck } from '../policy/validate.js';
import { FileStore } from '../store/file-store.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ProfileStore } from '../store/types.js';

export async function openStore(config: GatewayConfig, check?: ProfileCheck): Promise<ProfileStore> {
  const seed = config.profile === undefined ? {} : { seed: config.profile };
  const checked = check === undefined ? {} : { check };
  if (config.etcd !== undefined) {
    // Loaded only when etcd is configured: the etcd client (gRPC) takes a second or more to load, which a
    // file-store or in-memory start should not pay.
    const { EtcdStore } = await import('../store/etcd-store.js');
    return EtcdStore.open({ ...config.etcd, ...seed, ...checked });
  }
  if (config.store !== undefined) return FileStore.open({ file: config.store.file, format: config.store.format, ...seed, ...checked });
  if (config.profile === undefined) throw new IpgateError('ERR_CONFIG_INVALID', 'No profile and no store configured');
  return new MemoryStore(config.profile, check);
}
