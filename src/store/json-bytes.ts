/**
 * The bytes of a JSON store file (encodeJson's text as UTF-8), written straight into a buffer the encoder
 * keeps. A profile of a hundred thousand ranges is megabytes of text: building it as a string, then
 * flattening and encoding that string, costs several times what writing the bytes in place costs. The
 * common profile (entries of plain printable ASCII, no notes) is written here; any other goes through
 * encodeJson, so the bytes are always exactly encodeJson's.
 */
import type { Profile } from '../policy/profile.js';
import { encodeJson } from './codec.js';

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DELETE = 0x7f;

export class JsonEncoder {
  private buffer = Buffer.alloc(1 << 16);
  private at = 0;

  /**
   * encodeJson(profile) as UTF-8. The result is a view of the encoder's buffer: valid until the next call
   * (the caller writes it before encoding again).
   */
  encode(profile: Profile): Uint8Array {
    return this.direct(profile) ?? Buffer.from(encodeJson(profile), 'utf8');
  }

  /** The bytes, or undefined when the profile is not of the common kind. */
  private direct(profile: Profile): Uint8Array | undefined {
    const { authorizedIpRanges: authorized, egressIpRanges: egress } = profile;
    if (!Array.isArray(authorized) || !Array.isArray(egress) || authorized.length === 0) return undefined;
    if ((profile.entryInfo?.authorizedIpRanges?.size ?? 0) + (profile.entryInfo?.egressIpRanges?.size ?? 0) > 0) return undefined;
    this.at = 0;
    this.ascii('{\n  "authorizedIpRanges": ');
    if (!this.list(authorized)) return undefined;
    this.ascii(',\n  "egressIpRanges": ');
    if (!this.list(egress)) return undefined;
    this.ascii('\n}\n');
    return this.buffer.subarray(0, this.at);
  }

  /** A list as JSON.stringify(…, null, 2) writes it at the second level; false when an entry needs escaping. */
  private list(entries: readonly unknown[]): boolean {
    if (entries.length === 0) {
      this.ascii('[]');
      return true;
    }
    this.ascii('[');
    let b = this.buffer;
    let o = this.at;
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k];
      if (typeof entry !== 'string') return false;
      if (o + entry.length + 8 > b.length) {
        this.at = o;
        this.room(entry.length + 8);
        b = this.buffer;
      }
      if (k > 0) b[o++] = COMMA;
      b[o++] = NEWLINE;
      b[o++] = SPACE;
      b[o++] = SPACE;
      b[o++] = SPACE;
      b[o++] = SPACE;
      b[o++] = QUOTE;
      for (let i = 0; i < entry.length; i++) {
        const c = entry.charCodeAt(i);
        // JSON.stringify escapes control characters, quotes and backslashes; anything beyond ASCII is UTF-8.
        if (c < SPACE || c === QUOTE || c === BACKSLASH || c >= DELETE) return false;
        b[o++] = c;
      }
      b[o++] = QUOTE;
    }
    this.at = o;
    this.ascii('\n  ]');
    return true;
  }

  /** Text known to be plain ASCII. */
  private ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.at++] = text.charCodeAt(i);
  }

  private room(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.at + n));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}
