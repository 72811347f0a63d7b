/** Counts of profile changes put in force and refused, kept by whoever applies them, read by /metrics. */
export interface ReloadCounters {
  /** Profile changes put in force (admin API, store edits, SIGHUP, source updates). */
  reloads: number;
  /** Profile or config changes refused (the last good profile stayed). */
  reloadFailures: number;
}

export function newReloadCounters(): ReloadCounters {
  return { reloads: 0, reloadFailures: 0 };
}
