/**
 * The IPv4 space as a 256×256 picture (pure): at the top level each cell is a /16, zoomed into a /8 each
 * cell is a /24; cells follow the Hilbert curve (./hilbert.ts). Which entry covers which cell, fully or in
 * part, is computed here from the entries' ranges, so the canvas code only paints.
 */
import { d2xy, xy2d } from './hilbert.js';

export const SIDE = 256;

/** A view: the whole space (`octet` undefined, cells are /16s) or one /8 (cells are /24s). */
export interface MapView {
  readonly octet?: number | undefined;
}

/** An IPv4 range as unsigned 32-bit numbers. */
export interface V4Range {
  readonly first: number;
  readonly last: number;
}

export function cellPrefix(view: MapView): number {
  return view.octet === undefined ? 16 : 24;
}

/** The first address of a cell. */
export function cellStart(view: MapView, x: number, y: number): number {
  const d = xy2d(SIDE, x, y);
  return view.octet === undefined ? d * 65536 : view.octet * 16777216 + d * 256;
}

/** The cell holding `address` in the view, or undefined when the view does not show it. */
export function cellOf(view: MapView, address: number): [number, number] | undefined {
  if (view.octet === undefined) return d2xy(SIDE, Math.floor(address / 65536));
  if (Math.floor(address / 16777216) !== view.octet) return undefined;
  return d2xy(SIDE, Math.floor(address / 256) % 65536);
}

export function formatV4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

export function cellLabel(view: MapView, x: number, y: number): string {
  return `${formatV4(cellStart(view, x, y))}/${cellPrefix(view)}`;
}

export interface Coverage {
  /** Per cell (index y * SIDE + x): the index of the covering entry, or -1. */
  readonly owner: Int32Array;
  /** Per cell: 1 when the entry covers the whole cell, 0 when only part of it. */
  readonly full: Uint8Array;
}

/**
 * Which entry covers each cell of the view. An entry listed earlier wins a cell; a cell covered fully wins
 * over one covered in part.
 */
export function coverage(view: MapView, ranges: readonly (V4Range | undefined)[]): Coverage {
  const owner = new Int32Array(SIDE * SIDE).fill(-1);
  const full = new Uint8Array(SIDE * SIDE);
  const size = 2 ** (32 - cellPrefix(view));
  const base = view.octet === undefined ? 0 : view.octet * 16777216;
  const top = base + SIDE * SIDE * size - 1;
  ranges.forEach((range, index) => {
    if (range === undefined || range.last < base || range.first > top) return;
    const first = Math.max(range.first, base);
    const last = Math.min(range.last, top);
    const from = Math.floor((first - base) / size);
    const to = Math.floor((last - base) / size);
    for (let d = from; d <= to; d++) {
      const whole = base + d * size >= range.first && base + (d + 1) * size - 1 <= range.last;
      const [x, y] = d2xy(SIDE, d);
      const cell = y * SIDE + x;
      if (owner[cell] === -1 || (whole && full[cell] === 0)) {
        owner[cell] = index;
        full[cell] = whole ? 1 : 0;
      }
    }
  });
  return { owner, full };
}
