/**
 * Export: the profile condensed for a platform's entry limit (AKS 200, GKE 50, EKS 40, or a custom limit),
 * what the condensing costs (extra addresses and their share), and the provider's command to copy.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useSession } from '../context.js';
import { useLoad } from '../load.js';
import { PageHeading, Show } from '../widgets.js';

interface ExportAnswer {
  readonly target: string;
  readonly count: number;
  readonly limit: number | null;
  readonly requiredPrefixes: number;
  readonly requiredAddresses: string;
  readonly extraAddresses: string;
  readonly extraShare: number;
  readonly egressIncluded: boolean;
  readonly warnings: readonly string[];
  readonly ranges: readonly string[];
  readonly commands: { readonly az: string; readonly gcloud: string; readonly aws: string };
}

const TARGETS = [
  { id: 'aks', label: 'AKS (200)', command: 'az' },
  { id: 'gke', label: 'GKE (50)', command: 'gcloud' },
  { id: 'eks', label: 'EKS (40)', command: 'aws' },
  { id: 'custom', label: 'Custom limit', command: undefined },
] as const;

type TargetId = (typeof TARGETS)[number]['id'];

export function ExportPage(): ComponentChildren {
  const { api } = useSession();
  const [target, setTarget] = useState<TargetId>('aks');
  const [limit, setLimit] = useState('10');
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const validLimit = /^[1-9]\d{0,6}$/.test(limit);
  const query = target === 'custom' ? `target=ipgate${validLimit ? `&max=${limit}` : ''}` : `target=${target}`;
  const [loaded] = useLoad(() => api.get<ExportAnswer>(`/v1/export?${query}`).then((a) => a.data), [query]);
  const spec = TARGETS.find((t) => t.id === target);

  const copy = async (text: string, what: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`${what} copied.`);
    } catch {
      setCopied(`Could not copy: select the text and copy it by hand.`);
    }
  };

  return (
    <>
      <PageHeading title="Export" />
      <section class="card" aria-labelledby="target-title">
        <h2 id="target-title">Target</h2>
        <fieldset class="targets">
          <legend class="sr-only">Platform and entry limit</legend>
          {TARGETS.map((t) => (
            <label key={t.id} class="choice">
              <input type="radio" name="target" value={t.id} checked={target === t.id} onChange={() => setTarget(t.id)} data-testid={`export-target-${t.id}`} />
              {t.label}
            </label>
          ))}
        </fieldset>
        {target === 'custom' ? (
          <div class="field inline">
            <label for="export-limit">Largest number of entries</label>
            <input id="export-limit" inputMode="numeric" value={limit} aria-invalid={!validLimit} onInput={(e) => setLimit((e.target as HTMLInputElement).value)} />
            {validLimit ? null : <span class="error">a whole number of at least 1</span>}
          </div>
        ) : null}
      </section>
      <section class="card" aria-labelledby="list-title">
        <h2 id="list-title">Condensed list</h2>
        <Show loaded={loaded} what="the export">
          {(e) => {
            const command = spec?.command === undefined ? undefined : e.commands[spec.command];
            return (
              <>
                <p data-testid="export-summary">
                  {e.count} prefixes{e.limit === null ? '' : ` (limit ${e.limit})`} from {e.requiredPrefixes} merged prefixes; {e.requiredAddresses} addresses required,{' '}
                  <strong>{e.extraAddresses} extra ({(e.extraShare * 100).toFixed(2)}%)</strong>. Egress ranges {e.egressIncluded ? 'included' : 'left out (the platform allows them itself)'}.
                </p>
                {e.warnings.length === 0 ? null : <ul class="warning">{e.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
                <pre class="list" data-testid="export-list" tabIndex={0} aria-label="Condensed list">{e.ranges.join('\n')}</pre>
                <div class="actions">
                  <button type="button" onClick={() => void copy(e.ranges.join('\n'), 'List')}>Copy list</button>
                </div>
                {command === undefined ? null : (
                  <>
                    <h3>Command</h3>
                    <pre class="command" data-testid="export-command" tabIndex={0} aria-label="Command">{command}</pre>
                    <div class="actions">
                      <button type="button" onClick={() => void copy(command, 'Command')}>Copy command</button>
                    </div>
                  </>
                )}
                {copied === undefined ? null : <p role="status">{copied}</p>}
              </>
            );
          }}
        </Show>
      </section>
    </>
  );
}
