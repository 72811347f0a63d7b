/**
 * Every change goes through the same review: a dry run first (the API's own answer, so validation errors,
 * suggestions and lockout protection are the server's), then the diff, then Apply. The write carries the
 * ETag the preview was made on: when someone else changed the profile meanwhile (412), the page says so and
 * offers to reload the profile and preview the same change again on top of it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, describe, type EntryProblem } from './api.js';
import { useSession } from './context.js';
import { entryText, type WireEntry, type WireProfile } from './entries.js';

export interface Patch {
  readonly add?: readonly WireEntry[];
  readonly remove?: readonly string[];
  readonly addEgress?: readonly WireEntry[];
  readonly removeEgress?: readonly string[];
}

interface WriteAnswer {
  readonly dryRun: boolean;
  readonly profile: WireProfile;
  readonly added: readonly WireEntry[];
  readonly removed: readonly WireEntry[];
}

type Phase =
  | { readonly kind: 'checking' }
  | { readonly kind: 'review'; readonly answer: WriteAnswer; readonly force: boolean; readonly lockout?: string }
  | { readonly kind: 'lockout'; readonly message: string }
  | { readonly kind: 'conflict'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string; readonly problems: readonly EntryProblem[] }
  | { readonly kind: 'applying' }
  | { readonly kind: 'failed'; readonly message: string };

export interface ChangeReviewProps {
  readonly patch: Patch;
  /** The ETag of the profile the change was made on. */
  readonly etag: string | null;
  readonly onApplied: (profile: WireProfile, etag: string | null) => void;
  readonly onCancel: () => void;
  /** The profile was read again (after a conflict). */
  readonly onReloaded: (profile: WireProfile, etag: string | null) => void;
}

function Problems(props: { problems: readonly EntryProblem[] }): ComponentChildren {
  return (
    <ul class="problems">
      {props.problems.map((p) => (
        <li key={`${p.entry}:${p.code}`}>
          <code>{p.entry}</code>: {p.message} <span class="code">{p.code}</span>
          {p.suggestion === undefined ? null : <> (suggestion: <code>{p.suggestion}</code>)</>}
        </li>
      ))}
    </ul>
  );
}

export function ChangeReview(props: ChangeReviewProps): ComponentChildren {
  const { api, canWrite, readOnly } = useSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  const [etag, setEtag] = useState(props.etag);
  const heading = useRef<HTMLHeadingElement>(null);

  const preview = async (tag: string | null, force: boolean, lockout?: string): Promise<void> => {
    setPhase({ kind: 'checking' });
    try {
      const answer = await api.request<WriteAnswer>('PATCH', `/v1/profile?dryRun=true${force ? '&force=true' : ''}`, { body: props.patch, ifMatch: tag });
      setPhase({ kind: 'review', answer: answer.data, force, ...(lockout === undefined ? {} : { lockout }) });
    } catch (error) {
      setPhase(failurePhase(error));
    }
  };

  useEffect(() => {
    void preview(props.etag, false);
    // Previewed once per change shown; a new change mounts a new review.
  }, []);
  useEffect(() => heading.current?.focus(), [phase.kind]);

  const apply = async (force: boolean): Promise<void> => {
    setPhase({ kind: 'applying' });
    try {
      const answer = await api.request<WriteAnswer>('PATCH', `/v1/profile${force ? '?force=true' : ''}`, { body: props.patch, ifMatch: etag });
      props.onApplied(answer.data.profile, answer.etag);
    } catch (error) {
      setPhase(failurePhase(error));
    }
  };

  const reloadAndReapply = async (): Promise<void> => {
    setPhase({ kind: 'checking' });
    try {
      const fresh = await api.get<WireProfile>('/v1/profile');
      setEtag(fresh.etag);
      props.onReloaded(fresh.data, fresh.etag);
      await preview(fresh.etag, false);
    } catch (error) {
      setPhase({ kind: 'failed', message: describe(error) });
    }
  };

  const cancel = <button type="button" onClick={props.onCancel}>Cancel</button>;
  let body: ComponentChildren;
  switch (phase.kind) {
    case 'checking':
      body = <p role="status">Checking the change (dry run)…</p>;
      break;
    case 'applying':
      body = <p role="status">Applying…</p>;
      break;
    case 'invalid':
      body = (
        <div role="alert" class="error">
          <p>{phase.message}</p>
          <Problems problems={phase.problems} />
          <div class="actions">{cancel}</div>
        </div>
      );
      break;
    case 'failed':
      body = (
        <div role="alert" class="error">
          <p>{phase.message}</p>
          <div class="actions">{cancel}</div>
        </div>
      );
      break;
    case 'lockout':
      body = (
        <div role="alert" class="warning">
          <p><strong>This change would lock you out.</strong> {phase.message}</p>
          <div class="actions">
            <button type="button" onClick={() => void preview(etag, true, phase.message)} disabled={!canWrite} title={readOnly} aria-describedby={readOnly === undefined ? undefined : 'read-only-reason'}>Preview anyway</button>
            {cancel}
          </div>
        </div>
      );
      break;
    case 'conflict':
      body = (
        <div role="alert" class="warning" data-testid="etag-conflict">
          <p><strong>Someone else changed the profile meanwhile.</strong> {phase.message}</p>
          <p>Nothing was changed. Reload the profile and preview the same change on top of the new one?</p>
          <div class="actions">
            <button type="button" class="primary" onClick={() => void reloadAndReapply()}>Reload and reapply</button>
            {cancel}
          </div>
        </div>
      );
      break;
    case 'review': {
      const { answer } = phase;
      const nothing = answer.added.length === 0 && answer.removed.length === 0;
      body = (
        <>
          {phase.lockout === undefined ? null : (
            <p role="alert" class="warning"><strong>Lockout warning:</strong> {phase.lockout} Applying anyway skips the lockout protection.</p>
          )}
          {nothing ? <p>This changes nothing: the profile already has it.</p> : null}
          <ul class="diff" aria-label="Changes">
            {answer.added.map((e) => {
              // The note and expiry time as the server would store them: the entry in the would-be profile.
              const stored = typeof e === 'string' ? storedEntry(answer.profile, e) : e;
              return <li key={`+${entryText(e)}`} class="added"><span aria-hidden="true">+ </span><span class="sr-only">added </span><code>{entryText(e)}</code>{stored === undefined || typeof stored === 'string' ? null : <DiffInfo entry={stored} />}</li>;
            })}
            {answer.removed.map((e) => <li key={`-${entryText(e)}`} class="removed"><span aria-hidden="true">− </span><span class="sr-only">removed </span><code>{entryText(e)}</code></li>)}
          </ul>
          <p class="muted">
            After the change: {answer.profile.authorizedIpRanges.length} authorized, {answer.profile.egressIpRanges.length} egress entries.
          </p>
          <div class="actions">
            <button type="button" class={phase.force ? 'danger' : 'primary'} data-testid="diff-apply" disabled={!canWrite || nothing} title={readOnly} aria-describedby={readOnly === undefined ? undefined : 'read-only-reason'} onClick={() => void apply(phase.force)}>
              {phase.force ? 'Apply anyway' : 'Apply change'}
            </button>
            {cancel}
          </div>
        </>
      );
      break;
    }
  }
  return (
    <section class="review" aria-labelledby="review-title">
      <h2 id="review-title" tabIndex={-1} ref={heading}>Review the change</h2>
      {body}
    </section>
  );
}

function DiffInfo(props: { entry: Exclude<WireEntry, string> }): ComponentChildren {
  const { note, expires } = props.entry;
  return (
    <span class="muted">
      {note === undefined ? null : <> — {note}</>}
      {expires === undefined ? null : <> — expires {new Date(expires).toLocaleString()}</>}
    </span>
  );
}

function storedEntry(profile: WireProfile, text: string): WireEntry | undefined {
  return [...profile.authorizedIpRanges, ...profile.egressIpRanges].find((e) => entryText(e) === text);
}

function failurePhase(error: unknown): Phase {
  if (error instanceof ApiFailure) {
    if (error.code === 'ERR_PRECONDITION') return { kind: 'conflict', message: error.body.message };
    if (error.code === 'ERR_LOCKOUT') return { kind: 'lockout', message: error.body.message };
    if (error.body.errors !== undefined && error.body.errors.length > 0) return { kind: 'invalid', message: error.body.message, problems: error.body.errors };
  }
  return { kind: 'failed', message: describe(error) };
}
