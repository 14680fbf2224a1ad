/**
 * @fileoverview DNS names on the wire (RFC 1035 §3.1, §4.1.4): the name reader with its compression and
 * length checks, the presentation-format escaping, a small cache of recent names, and the record walker
 * the decoders use for sections they do not keep. message.ts re-exports what callers need.
 *
 * - Names are returned dotted without the trailing dot ("" is the root), case as written, one character
 *   per byte (latin1), escaped as the miekg/dns library Cilium's proxy uses does in presentation format:
 *   `.`, space, `'`, `@`, `;`, `(`, `)`, `"` and `\` get a backslash (`\.`), bytes outside 0x20..0x7e
 *   become `\DDD` (three decimal digits). The result is always printable ASCII, so `dnsRuleName`
 *   (match.ts) lower-cases exactly the letters A-Z, as Cilium's `strings.ToLower` does.
 * - Compression pointers must point strictly before the start of the run of labels being read (the name's
 *   first byte, or the previous pointer's target). That rejects self, forward and mutual pointers and
 *   every loop, and each name costs at most its length in steps. A name is at most 255 octets on the wire
 *   (length bytes and the root byte included), a label at most 63: length bytes 0x40..0xbf (RFC 1035
 *   reserved label types, RFC 6891 §5 extended labels) are rejected.
 */

/** decodeDnsMessage: the message is shorter than the 12-byte header. */
export const DNS_ERR_SHORT_HEADER = 1;
/** decodeDnsMessage: a question or record runs past the end of the message. */
export const DNS_ERR_TRUNCATED = 2;
/** decodeDnsMessage: a compression pointer that does not point strictly backwards (loop, forward, past end). */
export const DNS_ERR_BAD_POINTER = 3;
/** decodeDnsMessage: a name longer than 255 octets on the wire (RFC 1035 §3.1). */
export const DNS_ERR_NAME_TOO_LONG = 4;
/** decodeDnsMessage: a label length byte 0x40..0xbf (label > 63, reserved or extended label type). */
export const DNS_ERR_BAD_LABEL = 5;
/** decodeDnsMessage: A, AAAA or CNAME rdata that does not fill RDLENGTH exactly. */
export const DNS_ERR_BAD_RDATA = 6;

/** Names of the DNS_ERR_* codes, by code (0 = ok). */
export const DNS_ERROR_NAMES: readonly string[] = [
  "ok",
  "short-header",
  "truncated",
  "bad-pointer",
  "name-too-long",
  "bad-label",
  "bad-rdata",
];

/**
 * Cursor state shared by the low-level readers (no allocation per call): `pos` is the offset after the
 * last name or record read, `err` the DNS_ERR_* code of the last failure.
 */
export const DNS_CURSOR = { pos: 0, err: 0 };

// Presentation-format escapes (miekg/dns isDomainNameLabelSpecial / escapeByte): 0 plain, 1 "\c", 2 "\DDD".
const ESCAPE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  ESCAPE[c] = c < 0x20 || c > 0x7e ? 2 : ".@;()\"\\' ".includes(String.fromCharCode(c)) ? 1 : 0;
}
// Longest presentation name: 253 label bytes escaped as \DDD (4 chars each) in one label = 1012 chars.
const CHARS = new Uint8Array(1024);

// Name cache: DNS traffic repeats names, and making a string costs more than decoding the rest of a query.
// Direct-mapped by a hash of the wire bytes of names written without pointers (queries); a hit needs
// the same bytes, so the cached string is exactly what decoding would give. 4096 slots of up to 64
// wire bytes (k8s names with a search domain fit) = 256 KiB.
const CACHE_SLOTS = 4096;
const CACHE_KEY_MAX = 64;
const cacheKeys = new Uint8Array(CACHE_SLOTS * CACHE_KEY_MAX);
const cacheLens = new Uint8Array(CACHE_SLOTS);
const cacheNames: string[] = new Array<string>(CACHE_SLOTS).fill("");

function charsToString(n: number): string {
  // Every char is printable ASCII. Eight chars per fromCharCode call beat both per-char concatenation
  // and fromCharCode.apply over a typed array.
  const c = CHARS;
  let s = "";
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    s += String.fromCharCode(
      c[i]!,
      c[i + 1]!,
      c[i + 2]!,
      c[i + 3]!,
      c[i + 4]!,
      c[i + 5]!,
      c[i + 6]!,
      c[i + 7]!,
    );
  }
  for (; i < n; i++) {
    s += String.fromCharCode(c[i]!);
  }
  return s;
}

/** Presentation form of the name at `p`, already validated by readDnsName (pointers relative to msgStart). */
function buildName(bytes: Uint8Array, msgStart: number, p: number): string {
  const escape = ESCAPE;
  const chars = CHARS;
  let n = 0;
  for (let len = bytes[p]!; len !== 0; len = bytes[p]!) {
    if (len >= 0xc0) {
      p = msgStart + (((len & 0x3f) << 8) | bytes[p + 1]!);
      continue;
    }
    if (n > 0) {
      chars[n++] = 0x2e;
    }
    const labelEnd = p + 1 + len;
    for (let i = p + 1; i < labelEnd; i++) {
      const c = bytes[i]!;
      const e = escape[c]!;
      if (e === 0) {
        chars[n++] = c;
      } else if (e === 1) {
        chars[n++] = 0x5c;
        chars[n++] = c;
      } else {
        chars[n++] = 0x5c;
        chars[n++] = 0x30 + ((c / 100) | 0);
        chars[n++] = 0x30 + (((c / 10) | 0) % 10);
        chars[n++] = 0x30 + (c % 10);
      }
    }
    p = labelEnd;
  }
  return charsToString(n);
}

/**
 * Read the name at `pos` of the message `bytes[msgStart, end)`. Returns the name (or "" when `build` is
 * false) and sets DNS_CURSOR.pos after it; on failure returns null and sets DNS_CURSOR.err.
 */
export function readDnsName(
  bytes: Uint8Array,
  msgStart: number,
  pos: number,
  end: number,
  build: boolean,
): string | null {
  let p = pos;
  let runStart = pos;
  let after = -1;
  let wire = 1; // the root byte
  let hash = 0x811c9dc5; // FNV-1a over the wire bytes, for the name cache
  for (;;) {
    if (p >= end) {
      DNS_CURSOR.err = DNS_ERR_TRUNCATED;
      return null;
    }
    const len = bytes[p]!;
    if (len === 0) {
      break;
    }
    if (len >= 0xc0) {
      if (p + 1 >= end) {
        DNS_CURSOR.err = DNS_ERR_TRUNCATED;
        return null;
      }
      const target = msgStart + (((len & 0x3f) << 8) | bytes[p + 1]!);
      if (target >= runStart) {
        DNS_CURSOR.err = DNS_ERR_BAD_POINTER;
        return null;
      }
      if (after < 0) {
        after = p + 2;
      }
      p = target;
      runStart = target;
      continue;
    }
    if (len > 63) {
      DNS_CURSOR.err = DNS_ERR_BAD_LABEL;
      return null;
    }
    wire += len + 1;
    if (wire > 255) {
      DNS_CURSOR.err = DNS_ERR_NAME_TOO_LONG;
      return null;
    }
    const labelEnd = p + 1 + len;
    if (labelEnd > end) {
      DNS_CURSOR.err = DNS_ERR_TRUNCATED;
      return null;
    }
    if (build && after < 0) {
      for (let i = p; i < labelEnd; i++) {
        hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
      }
    }
    p = labelEnd;
  }
  DNS_CURSOR.pos = after < 0 ? p + 1 : after;
  if (!build || wire === 1) {
    return "";
  }
  if (after >= 0 || wire > CACHE_KEY_MAX) {
    return buildName(bytes, msgStart, pos);
  }
  // Contiguous name of `wire` bytes at pos (the root byte included): look it up.
  const slot = (hash ^ (hash >>> 16)) & (CACHE_SLOTS - 1);
  const keys = cacheKeys;
  const base = slot * CACHE_KEY_MAX;
  if (cacheLens[slot] === wire) {
    let i = 0;
    while (i < wire && keys[base + i] === bytes[pos + i]) {
      i++;
    }
    if (i === wire) {
      return cacheNames[slot]!;
    }
  }
  const name = buildName(bytes, msgStart, pos);
  for (let i = 0; i < wire; i++) {
    keys[base + i] = bytes[pos + i]!;
  }
  cacheLens[slot] = wire;
  cacheNames[slot] = name;
  return name;
}

/**
 * Walk `count` records from `pos` without keeping them (names, fixed fields, rdata bounds). Returns the
 * number walked (fewer when the message ends at a record boundary) and sets DNS_CURSOR.pos, or -1 on
 * failure with DNS_CURSOR.err set.
 */
export function skipDnsRecords(
  bytes: Uint8Array,
  msgStart: number,
  pos: number,
  end: number,
  count: number,
): number {
  let p = pos;
  for (let i = 0; i < count; i++) {
    if (p === end) {
      DNS_CURSOR.pos = p;
      return i;
    }
    if (readDnsName(bytes, msgStart, p, end, false) === null) {
      return -1;
    }
    p = DNS_CURSOR.pos + 10;
    if (p > end) {
      DNS_CURSOR.err = DNS_ERR_TRUNCATED;
      return -1;
    }
    p += (bytes[p - 2]! << 8) | bytes[p - 1]!;
    if (p > end) {
      DNS_CURSOR.err = DNS_ERR_TRUNCATED;
      return -1;
    }
  }
  DNS_CURSOR.pos = p;
  return count;
}
