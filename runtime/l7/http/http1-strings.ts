/**
 * @fileoverview Building the strings of HTTP/1.1 requests cheaply: latin1 decoding of exact byte ranges
 * (one char per byte) and a per-connection cache that reuses the previous request's strings when a
 * keep-alive client repeats field lines or the path byte for byte.
 */

/** A field line that means nothing to the framing. */
export const K_OTHER = 0;
/** Host. */
export const K_HOST = 1;
/** Content-Length (its value in the cache's number). */
export const K_CONTENT_LENGTH = 2;
/** Transfer-Encoding: chunked. */
export const K_CHUNKED = 3;
/** Upgrade listing h2c. */
export const K_UPGRADE_H2C = 4;
/** HTTP2-Settings. */
export const K_HTTP2_SETTINGS = 5;

const fc = String.fromCharCode;

/**
 * The latin1 string of `b[s, e)`: one char per byte. Eight bytes per fromCharCode call and a switch for
 * the tail measured about 1.6× faster than a char-by-char loop, and no subarray view is made.
 */
export function latin1(b: Uint8Array, s: number, e: number): string {
  let out = "";
  let i = s;
  for (; i + 8 <= e; i += 8) {
    out += fc(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
  }
  switch (e - i) {
    case 1:
      return out + fc(b[i]!);
    case 2:
      return out + fc(b[i]!, b[i + 1]!);
    case 3:
      return out + fc(b[i]!, b[i + 1]!, b[i + 2]!);
    case 4:
      return out + fc(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    case 5:
      return out + fc(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!);
    case 6:
      return out + fc(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!);
    case 7:
      return out + fc(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!);
    default:
      return out;
  }
}

/** Lines and paths up to this many bytes are remembered for reuse by the next request. */
const SLOT_BYTES = 128;
/** Field lines remembered per connection (the first ones of each head). */
const SLOTS = 32;

/**
 * Strings of the previous request on this connection. Keep-alive clients repeat most field lines byte
 * for byte (Host, User-Agent, Accept, ...): when a line's bytes equal the remembered ones its (name,
 * value) pair is reused, and when every line matches, the whole header list is. Pairs and lists are
 * read-only, so sharing them between requests is safe.
 */
export class StringCache {
  private readonly bytes: Uint8Array[] = [];
  private readonly lens: number[] = [];
  private readonly kinds: number[] = [];
  private readonly nums: number[] = [];
  private readonly nameLens: number[] = [];
  private readonly misses = new Uint32Array(SLOTS);
  private readonly pairs: (readonly [string, string])[] = [];
  private list: readonly (readonly [string, string])[] = [];
  private readonly pathBytes = new Uint8Array(SLOT_BYTES);
  private pathLen = -1;
  private path = "";
  private pathMisses = 0;

  /**
   * The length of field line `k` (CRLF excluded) when `b[p...]` repeats the remembered line `k` byte for
   * byte and its CRLF lies before `lim`; else -1. A remembered line was valid, so a repeat is too.
   */
  match(b: Uint8Array, k: number, p: number, lim: number): number {
    if (k >= this.pairs.length) {
      return -1;
    }
    const len = this.lens[k]!;
    if (len < 0 || p + len + 1 >= lim || b[p + len] !== 13 || b[p + len + 1] !== 10) {
      return -1;
    }
    const c = this.bytes[k]!;
    for (let j = 0; j < len; j++) {
      if (c[j] !== b[p + j]) {
        return -1;
      }
    }
    return len;
  }

  /** The pair remembered for line `k` (after `match`). */
  pairAt(k: number): readonly [string, string] {
    return this.pairs[k]!;
  }

  /** The field kind (K_*) remembered for line `k`. */
  kindAt(k: number): number {
    return this.kinds[k]!;
  }

  /** The Content-Length value remembered for line `k`. */
  numAt(k: number): number {
    return this.nums[k]!;
  }

  /**
   * The pair of field line `k` spanning `b[ns, ve)` (name `[ns, ne)`, value `[vs, ve)`), remembered with
   * its kind and number when the line ends right after `ve` (no trailing OWS) and is short enough.
   */
  store(b: Uint8Array, k: number, ns: number, ne: number, vs: number, ve: number, kind: number, num: number) {
    // A changed value under a repeated name (X-Request-Id, ...) keeps the remembered name string.
    let name: string | undefined;
    const nlen = ne - ns;
    if (k < this.pairs.length && this.nameLens[k] === nlen) {
      const c = this.bytes[k]!;
      let j = 0;
      while (j < nlen && c[j] === b[ns + j]) {
        j++;
      }
      if (j === nlen) {
        name = this.pairs[k]![0];
      }
    }
    const p = [name ?? latin1(b, ns, ne), latin1(b, vs, ve)] as const;
    // A slot whose name repeats is rewritten on every 8th miss only: a per-request value (ids, dates)
    // would otherwise be copied for nothing each time.
    if (name !== undefined) {
      const m = this.misses[k]!;
      this.misses[k] = m + 1;
      if ((m & 7) !== 0) {
        return p;
      }
    }
    if (k <= this.pairs.length && k < SLOTS) {
      const len = ve - ns;
      if (len <= SLOT_BYTES && b[ve] === 13) {
        const c = (this.bytes[k] ??= new Uint8Array(SLOT_BYTES));
        for (let j = 0; j < len; j++) {
          c[j] = b[ns + j]!;
        }
        this.lens[k] = len;
        this.nameLens[k] = nlen;
      } else {
        this.lens[k] = -1;
        this.nameLens[k] = -1;
      }
      this.pairs[k] = p;
      this.kinds[k] = kind;
      this.nums[k] = num;
    }
    return p;
  }

  /** The header list: the previous one when every pair of `list` is the previous one's. */
  headers(list: (readonly [string, string])[]): readonly (readonly [string, string])[] {
    const prev = this.list;
    if (prev.length === list.length) {
      let k = 0;
      while (k < list.length && prev[k] === list[k]) {
        k++;
      }
      if (k === list.length) {
        return prev;
      }
    }
    this.list = list;
    return list;
  }

  /** The path string of `b[s, e)`. */
  pathOf(b: Uint8Array, s: number, e: number): string {
    const len = e - s;
    if (len === this.pathLen) {
      // Backwards: paths that differ mostly differ in their last bytes (ids, query values).
      const c = this.pathBytes;
      let j = len - 1;
      while (j >= 0 && c[j] === b[s + j]) {
        j--;
      }
      if (j < 0) {
        return this.path;
      }
    }
    const str = latin1(b, s, e);
    // After a miss, remember only every 8th path: a client whose paths all differ pays little.
    if (len <= SLOT_BYTES && (this.pathMisses++ & 7) === 0) {
      for (let j = 0; j < len; j++) {
        this.pathBytes[j] = b[s + j]!;
      }
      this.pathLen = len;
      this.path = str;
    }
    return str;
  }
}
