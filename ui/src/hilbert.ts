/**
 * The Hilbert curve on an n×n grid (n a power of two): position d along the curve (0 … n²−1) ↔ cell (x, y).
 * The map lays the IPv4 space along it, so neighbouring addresses stay neighbours on the picture and every
 * CIDR block is one compact square or rectangle (a /16 is one pixel of the 256×256 picture, a /8 a 16×16
 * square). Pure; unit-tested by round trips.
 */

function rotate(n: number, x: number, y: number, rx: number, ry: number): [number, number] {
  if (ry !== 0) return [x, y];
  if (rx === 1) return [n - 1 - y, n - 1 - x];
  return [y, x];
}

/** The cell of position `d` on the curve filling an n×n grid. */
export function d2xy(n: number, d: number): [number, number] {
  let x = 0;
  let y = 0;
  let t = d;
  for (let s = 1; s < n; s *= 2) {
    const rx = 1 & Math.floor(t / 2);
    const ry = 1 & (t ^ rx);
    [x, y] = rotate(s, x, y, rx, ry);
    x += s * rx;
    y += s * ry;
    t = Math.floor(t / 4);
  }
  return [x, y];
}

/** The position on the curve of cell (x, y) of an n×n grid. */
export function xy2d(n: number, x: number, y: number): number {
  let d = 0;
  let cx = x;
  let cy = y;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (cx & s) > 0 ? 1 : 0;
    const ry = (cy & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    [cx, cy] = rotate(n, cx, cy, rx, ry);
  }
  return d;
}
