/**
 * Names of profiles (pure): a store holding several profiles (one etcd for several clusters) keeps each under
 * its name, and the config, the admin API and the CLI all check a name by the same rule.
 */
import { IpgateError } from '../errors.js';

/** A profile name: 1-63 letters, digits, "_", "." or "-", starting with a letter or digit. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function checkProfileName(name: string, input = name): string {
  if (!PROFILE_NAME.test(name)) {
    throw new IpgateError('ERR_PROFILE_NAME', `Profile name "${name}" is not valid: use 1-63 letters, digits, "_", "." or "-"`, { input, suggestion: 'default' });
  }
  return name;
}
