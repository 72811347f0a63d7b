/** Reads the samples of Prometheus text (`/metrics`) that the overview shows. Pure. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, '$1');
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

export interface ListenerSummary {
  readonly name: string;
  allowed: number;
  refused: number;
  open: number;
  /** Connections let through because the listener has `enforce: false`. */
  notEnforced: number;
}

/** Per listener: connections allowed and refused so far, open now, and whether it enforces. */
export function listenerSummaries(samples: readonly Sample[]): ListenerSummary[] {
  const by = new Map<string, ListenerSummary>();
  const get = (name: string): ListenerSummary => {
    let s = by.get(name);
    if (s === undefined) {
      s = { name, allowed: 0, refused: 0, open: 0, notEnforced: 0 };
      by.set(name, s);
    }
    return s;
  };
  for (const s of samples) {
    const listener = s.labels['listener'];
    if (listener === undefined) continue;
    if (s.name === 'ipgate_connections_total') {
      const l = get(listener);
      if (s.labels['decision'] === 'allowed') l.allowed += s.value;
      if (s.labels['decision'] === 'refused') l.refused += s.value;
      if (s.labels['reason'] === 'not-enforced') l.notEnforced += s.value;
    } else if (s.name === 'ipgate_active_connections') {
      get(listener).open += s.value;
    }
  }
  return [...by.values()];
}
