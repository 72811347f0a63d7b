/**
 * Map: the IPv4 space as a 256×256 Hilbert-curve picture (each pixel a /16; zoomed into a /8, each pixel a
 * /24). Allowed space is coloured by the entry that covers it, a range source's reference by its expansion in
 * the source's colour (a pale shade: covered in part); refused sources are red dots, and the cell under the
 * pointer (or the keyboard cursor) is described: its prefix, the entry (and reference prefix) covering it and
 * the server's explain verdict for its first address. IPv6 is not drawn: the map is of the IPv4 space.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describe } from '../api.js';
import { useSession } from '../context.js';
import { entryText, v4Address, v4Range, type WireProfile } from '../entries.js';
import { parseReference } from '../../../src/sources/reference.js';
import type { V4Range } from '../ipv4-map.js';
import { cellLabel, cellOf, cellPrefix, cellStart, coverage, formatV4, SIDE, type MapView } from '../ipv4-map.js';
import { useLoad } from '../load.js';
import { PALETTE, SOURCE_PALETTE } from '../palette.js';
import { normalizeRefusals, type Refusal } from '../refusals-data.js';
import { PageHeading } from '../widgets.js';


function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function mix(a: [number, number, number], b: [number, number, number], share: number): [number, number, number] {
  return [0, 1, 2].map((i) => Math.round((a[i] ?? 0) * share + (b[i] ?? 0) * (1 - share))) as [number, number, number];
}

const MAX_RINGS = 400;

interface Entry {
  readonly text: string;
  readonly list: 'authorized' | 'egress';
  readonly colour: string;
  /** The range source of a reference. */
  readonly source?: string | undefined;
  /** Why a reference is not drawn (its problem, or no expansion known). */
  readonly problem?: string | undefined;
  /** Its IPv4 prefixes drawn, and its IPv6 ones (not drawn). */
  readonly v4: number;
  readonly v6: number;
}

/** One drawn IPv4 prefix: a range entry, or one prefix of a reference's expansion. */
interface Piece {
  readonly range: V4Range;
  readonly cidr: string;
  readonly entry: number;
}

interface SourcesAnswer {
  readonly sources: ReadonlyArray<{ readonly name: string; readonly references?: ReadonlyArray<{ entry: string; ranges?: readonly string[]; problem?: string }> }>;
}

interface Hover {
  readonly x: number;
  readonly y: number;
}

export function MapPage(): ComponentChildren {
  const { api, go, canWrite, readOnly } = useSession();
  const [profile] = useLoad(() => api.get<WireProfile>('/v1/profile').then((a) => a.data), []);
  const [refusals] = useLoad(() => api.get<unknown>('/v1/refusals').then((a) => normalizeRefusals(a.data)), []);
  const [sources] = useLoad(() => api.get<SourcesAnswer>('/v1/sources?ranges=true').then((a) => a.data.sources), []);
  const [view, setView] = useState<MapView>({});
  const [cursor, setCursor] = useState<Hover | undefined>(undefined);
  const [verdict, setVerdict] = useState<string>('');
  const canvas = useRef<HTMLCanvasElement>(null);

  const [entries, pieces, sourceColours]: [Entry[], Piece[], ReadonlyMap<string, string>] = useMemo(() => {
    if (profile.state !== 'ok') return [[], [], new Map()];
    const list = [
      ...profile.value.authorizedIpRanges.map((e) => ({ text: entryText(e), list: 'authorized' as const })),
      ...profile.value.egressIpRanges.map((e) => ({ text: entryText(e), list: 'egress' as const })),
    ];
    const known = sources.state === 'ok' ? sources.value : [];
    const colours = new Map(known.map((s, i) => [s.name, SOURCE_PALETTE[i % SOURCE_PALETTE.length] ?? '#e8590c'] as const));
    const expansion = new Map<string, { source: string; ranges?: readonly string[] | undefined; problem?: string | undefined }>();
    for (const s of known) for (const r of s.references ?? []) expansion.set(r.entry, { source: s.name, ranges: r.ranges, problem: r.problem });
    const drawn: Piece[] = [];
    const out = list.map((e, i): Entry => {
      const own = v4Range(e.text);
      if (own !== undefined) {
        drawn.push({ range: own, cidr: e.text, entry: i });
        return { ...e, colour: PALETTE[i % PALETTE.length] ?? '#2b7bd6', v4: 1, v6: 0 };
      }
      if (parseReference(e.text) === undefined) return { ...e, colour: PALETTE[i % PALETTE.length] ?? '#2b7bd6', v4: 0, v6: 1 };
      const x = expansion.get(e.text);
      let v4 = 0;
      let v6 = 0;
      for (const cidr of x?.ranges ?? []) {
        const range = v4Range(cidr);
        if (range === undefined) v6++;
        else {
          v4++;
          drawn.push({ range, cidr, entry: i });
        }
      }
      const problem = x === undefined ? (sources.state === 'loading' ? 'loading its expansion…' : 'its expansion is not known (no such source?)') : x.problem;
      return { ...e, colour: colours.get(x?.source ?? '') ?? SOURCE_PALETTE[0], source: x?.source, problem, v4, v6 };
    });
    return [out, drawn, colours];
  }, [profile, sources]);
  const cover = useMemo(() => coverage(view, pieces.map((p) => p.range)), [view, pieces]);
  const colourOf = (owner: number): string | undefined => entries[pieces[owner]?.entry ?? -1]?.colour;

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c === null || ctx === null || ctx === undefined) return;
    const background = rgb(getComputedStyle(c).getPropertyValue('--map-bg').trim() || '#eef1f5');
    const image = ctx.createImageData(SIDE, SIDE);
    const colours = pieces.map((p) => rgb(entries[p.entry]?.colour ?? '#2b7bd6'));
    for (let cell = 0; cell < SIDE * SIDE; cell++) {
      const owner = cover.owner[cell] ?? -1;
      const colour = owner < 0 ? background : cover.full[cell] === 1 ? (colours[owner] ?? background) : mix(colours[owner] ?? background, background, 0.45);
      image.data.set([colour[0], colour[1], colour[2], 255], cell * 4);
    }
    ctx.putImageData(image, 0, 0);
  }, [cover, entries]);

  // Entries smaller than a pixel would be one pale pixel: ringed so they can be seen (at most MAX_RINGS).
  const rings = useMemo(() => {
    const out: Array<{ x: number; y: number; colour: string }> = [];
    for (let cell = 0; cell < SIDE * SIDE && out.length < MAX_RINGS; cell++) {
      const owner = cover.owner[cell] ?? -1;
      if (owner >= 0 && cover.full[cell] === 0) out.push({ x: cell % SIDE, y: Math.floor(cell / SIDE), colour: colourOf(owner) ?? '#2b7bd6' });
    }
    return out;
  }, [cover, entries, pieces]);

  const dots = refusals.state === 'ok' ? refusals.value.flatMap((r: Refusal) => {
    const n = v4Address(r.address);
    const cell = n === undefined ? undefined : cellOf(view, n);
    return cell === undefined ? [] : [{ key: `${r.listener}:${r.address}`, x: cell[0], y: cell[1], r }];
  }) : [];

  const described = cursor === undefined ? undefined : describeCell(view, cursor, pieces[cover.owner[cursor.y * SIDE + cursor.x] ?? -1], cover.full[cursor.y * SIDE + cursor.x] === 1, entries);

  useEffect(() => {
    if (cursor === undefined) return;
    const address = formatV4(cellStart(view, cursor.x, cursor.y));
    setVerdict('');
    const timer = setTimeout(() => {
      api.get<{ allowed: boolean; reason: string; matched: string | null; reference?: string }>(`/v1/explain?ip=${encodeURIComponent(address)}`).then(
        (a) => setVerdict(`${address}: ${a.data.allowed ? 'allowed' : 'refused'} (${a.data.reason}${a.data.matched === null ? '' : `, by ${a.data.matched}`}${a.data.reference === undefined ? '' : ` from ${a.data.reference}`})`),
        (error: unknown) => setVerdict(`${address}: ${describe(error)}`),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [cursor, view]);

  const cellAt = (event: MouseEvent): Hover | undefined => {
    const c = canvas.current;
    if (c === null) return undefined;
    const box = c.getBoundingClientRect();
    const x = Math.floor(((event.clientX - box.left) / box.width) * SIDE);
    const y = Math.floor(((event.clientY - box.top) / box.height) * SIDE);
    return x >= 0 && y >= 0 && x < SIDE && y < SIDE ? { x, y } : undefined;
  };

  const zoomIn = (at: Hover): void => {
    if (view.octet !== undefined) return;
    setView({ octet: Math.floor(cellStart(view, at.x, at.y) / 16777216) });
    setCursor(undefined);
  };

  const onKey = (event: KeyboardEvent): void => {
    const at = cursor ?? { x: 0, y: 0 };
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      const step = event.shiftKey ? 16 : 1;
      setCursor({ x: Math.min(SIDE - 1, Math.max(0, at.x + move[0] * step)), y: Math.min(SIDE - 1, Math.max(0, at.y + move[1] * step)) });
    } else if (event.key === 'Enter') {
      event.preventDefault();
      zoomIn(at);
    } else if (event.key === 'Escape' && view.octet !== undefined) {
      event.preventDefault();
      setView({});
      setCursor(undefined);
    }
  };

  return (
    <>
      <PageHeading title="Map" />
      <p class="muted">
        The IPv4 space along a Hilbert curve: {view.octet === undefined ? 'each pixel is a /16; click (or Enter) to zoom into its /8.' : `${view.octet}.0.0.0/8, each pixel a /24.`} Arrow keys move
        the cursor (Shift: 16 cells), Escape zooms out. Pale: covered in part. Red dots: refused sources.
        IPv6 is not drawn: the map is of the IPv4 space (IPv6 entries and prefixes are listed, not drawn).
      </p>
      <div class="map-bar">
        {view.octet === undefined ? null : <button type="button" onClick={() => { setView({}); setCursor(undefined); }}>Back to the whole IPv4 space</button>}
        <span>{view.octet === undefined ? '0.0.0.0/0' : `${view.octet}.0.0.0/8`}</span>
      </div>
      <div class="map-layout">
        <div class="map-frame">
          <canvas
            ref={canvas}
            data-testid="ipv4-map"
            data-prefix={cellPrefix(view)}
            data-octet={view.octet ?? ''}
            width={SIDE}
            height={SIDE}
            tabIndex={0}
            role="img"
            aria-label={`Map of ${view.octet === undefined ? 'the IPv4 space' : `${view.octet}.0.0.0/8`}, ${entries.length} entries; use the arrow keys to inspect cells`}
            aria-describedby="map-cell"
            data-pieces={pieces.length}
            onMouseMove={(e) => setCursor(cellAt(e))}
            onClick={(e) => { const at = cellAt(e); if (at !== undefined) zoomIn(at); }}
            onKeyDown={onKey}
          />
          <svg class="map-overlay" viewBox={`0 0 ${SIDE} ${SIDE}`} aria-hidden="true">
            {rings.map((r) => <rect key={`${r.x},${r.y}`} x={r.x - 1.5} y={r.y - 1.5} width={4} height={4} fill="none" stroke={r.colour} stroke-width={0.9} />)}
            {dots.map((d) => <circle key={d.key} cx={d.x + 0.5} cy={d.y + 0.5} r={view.octet === undefined ? 2.5 : 2} class="refused-dot" />)}
            {cursor === undefined ? null : <rect x={cursor.x - 0.5} y={cursor.y - 0.5} width={2} height={2} class="map-cursor" />}
          </svg>
        </div>
        <div class="map-side">
          <div id="map-cell" class="card" aria-live="polite">
            {described === undefined ? <p class="muted">Point at a cell (or focus the map and use the arrow keys).</p> : (
              <>
                <p><strong>{described.prefix}</strong></p>
                <p>{described.entry}</p>
                <p data-testid="map-verdict">{verdict === '' ? 'Asking the server…' : verdict}</p>
              </>
            )}
          </div>
          {described === undefined || view.octet === undefined ? null : (
            <button type="button" disabled={!canWrite} title={readOnly} aria-describedby={readOnly === undefined ? undefined : 'read-only-reason'} onClick={() => go(`#/ranges?add=${encodeURIComponent(described.prefix)}`)}>Allow {described.prefix}…</button>
          )}
          <h2>Entries</h2>
          <ul class="legend">
            {entries.map((e) => (
              <li key={`${e.list}:${e.text}`} data-entry={e.text}>
                <svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill={e.colour} /></svg> <code>{e.text}</code>
                {e.list === 'egress' ? ' (egress)' : ''}
                {e.source === undefined && e.v4 === 0 && e.v6 > 0 ? ' (IPv6: not drawn)' : ''}
                {e.source === undefined ? '' : ` — source ${e.source}: ${e.v4} IPv4 prefix${e.v4 === 1 ? '' : 'es'} drawn${e.v6 === 0 ? '' : `, ${e.v6} IPv6 not drawn`}`}
                {e.problem === undefined ? '' : ` (${e.problem})`}
              </li>
            ))}
          </ul>
          {sourceColours.size === 0 ? null : (
            <>
              <h2>Range sources</h2>
              <ul class="legend">
                {[...sourceColours].map(([name, colour]) => (
                  <li key={name} data-source={name}><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill={colour} /></svg> {name}: its references' prefixes</li>
                ))}
              </ul>
            </>
          )}
          <p class="muted">IPv6 is out of the map by design: it shows the IPv4 address space.</p>
        </div>
      </div>
    </>
  );
}

function describeCell(view: MapView, at: Hover, piece: Piece | undefined, full: boolean, entries: readonly Entry[]): { prefix: string; entry: string } {
  const prefix = cellLabel(view, at.x, at.y);
  const e = piece === undefined ? undefined : entries[piece.entry];
  if (piece === undefined || e === undefined) return { prefix, entry: 'No entry covers it.' };
  const how = `${full ? 'Covered' : 'Partly covered'} by ${e.text}${e.list === 'egress' ? ' (egress)' : ''}`;
  return { prefix, entry: e.source === undefined ? `${how}.` : `${how} (its prefix ${piece.cidr}, from source ${e.source}).` };
}
