/**
 * Map: the IPv4 space as a 256×256 Hilbert-curve picture (each pixel a /16; zoomed into a /8, each pixel a
 * /24). Allowed space is coloured by the entry that covers it (a pale shade: covered in part), refused
 * sources are red dots, and the cell under the pointer (or the keyboard cursor) is described: its prefix,
 * the entry covering it and the server's explain verdict for its first address.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describe } from '../api.js';
import { useSession } from '../context.js';
import { entryText, v4Address, v4Range, type WireProfile } from '../entries.js';
import { cellLabel, cellOf, cellPrefix, cellStart, coverage, formatV4, SIDE, type MapView } from '../ipv4-map.js';
import { useLoad } from '../load.js';
import { PALETTE } from '../palette.js';
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
}

interface Hover {
  readonly x: number;
  readonly y: number;
}

export function MapPage(): ComponentChildren {
  const { api, go } = useSession();
  const [profile] = useLoad(() => api.get<WireProfile>('/v1/profile').then((a) => a.data), []);
  const [refusals] = useLoad(() => api.get<unknown>('/v1/refusals').then((a) => normalizeRefusals(a.data)), []);
  const [view, setView] = useState<MapView>({});
  const [cursor, setCursor] = useState<Hover | undefined>(undefined);
  const [verdict, setVerdict] = useState<string>('');
  const canvas = useRef<HTMLCanvasElement>(null);

  const entries: Entry[] = useMemo(() => {
    if (profile.state !== 'ok') return [];
    const list = [
      ...profile.value.authorizedIpRanges.map((e) => ({ text: entryText(e), list: 'authorized' as const })),
      ...profile.value.egressIpRanges.map((e) => ({ text: entryText(e), list: 'egress' as const })),
    ];
    return list.map((e, i) => ({ ...e, colour: PALETTE[i % PALETTE.length] ?? '#2b7bd6' }));
  }, [profile]);
  const ranges = useMemo(() => entries.map((e) => v4Range(e.text)), [entries]);
  const cover = useMemo(() => coverage(view, ranges), [view, ranges]);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c === null || ctx === null || ctx === undefined) return;
    const background = rgb(getComputedStyle(c).getPropertyValue('--map-bg').trim() || '#eef1f5');
    const image = ctx.createImageData(SIDE, SIDE);
    const colours = entries.map((e) => rgb(e.colour));
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
      if (owner >= 0 && cover.full[cell] === 0) out.push({ x: cell % SIDE, y: Math.floor(cell / SIDE), colour: entries[owner]?.colour ?? '#2b7bd6' });
    }
    return out;
  }, [cover, entries]);

  const dots = refusals.state === 'ok' ? refusals.value.flatMap((r: Refusal) => {
    const n = v4Address(r.address);
    const cell = n === undefined ? undefined : cellOf(view, n);
    return cell === undefined ? [] : [{ key: `${r.listener}:${r.address}`, x: cell[0], y: cell[1], r }];
  }) : [];

  const described = cursor === undefined ? undefined : describeCell(view, cursor, cover.owner[cursor.y * SIDE + cursor.x] ?? -1, cover.full[cursor.y * SIDE + cursor.x] === 1, entries);

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
            <button type="button" onClick={() => go(`#/ranges?add=${encodeURIComponent(described.prefix)}`)}>Allow {described.prefix}…</button>
          )}
          <h2>Entries</h2>
          <ul class="legend">
            {entries.map((e, i) => (
              <li key={`${e.list}:${e.text}`}>
                <svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill={e.colour} /></svg> <code>{e.text}</code>
                {e.list === 'egress' ? ' (egress)' : ''}{ranges[i] === undefined ? ' (not drawn: IPv6 or a source reference)' : ''}
              </li>
            ))}
          </ul>
          {refusals.state === 'missing' ? <p class="muted">Refused sources: not available on this server.</p> : null}
        </div>
      </div>
    </>
  );
}

function describeCell(view: MapView, at: Hover, owner: number, full: boolean, entries: readonly Entry[]): { prefix: string; entry: string } {
  const prefix = cellLabel(view, at.x, at.y);
  const e = owner < 0 ? undefined : entries[owner];
  return { prefix, entry: e === undefined ? 'No entry covers it.' : `${full ? 'Covered' : 'Partly covered'} by ${e.text}${e.list === 'egress' ? ' (egress)' : ''}.` };
}
