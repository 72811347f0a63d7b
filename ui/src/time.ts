/** Times as the pages show them: a local date and time, and "in 7 h 59 min" / "3 min ago". Pure. */

export function when(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "in 7 h 59 min", "3 min ago", "just now". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  if (a === 0) return 'just now';
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86400 ? `${Math.floor(a / 3600)} h ${Math.floor((a % 3600) / 60)} min` : `${Math.floor(a / 86400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}
