/**
 * @fileoverview The HTTP/1.1 request head parser (RFC 9112 §3 request line, §5 field lines): one pass
 * over a byte range that validates every byte, builds the request's strings (latin1, one char per byte)
 * and reports what the message framing needs (Content-Length, chunked, CONNECT, h2c upgrade). The
 * stream decoder in http1.ts owns buffering and bodies; this file owns the grammar.
 *
 * Strictness (sluice decides on what it parsed, so it refuses what a server could read differently):
 * lines end in CRLF only (a bare CR or LF is malformed, RFC 9112 §2.2 leaves bare LF optional), no
 * obs-fold (§5.2), no whitespace before the colon (§5.1), request-target bytes 0x21–0x7E without '#',
 * versions HTTP/1.0 and HTTP/1.1 only, one Host, Content-Length digits only (repeated identical values
 * allowed, §8.6 of RFC 9110), Transfer-Encoding only "chunked", and HTTP/1.1 requests need a Host (§3.2).
 * Field names are kept as the client sent them (match.ts compares names case-insensitively); values
 * lose their surrounding OWS. Repeated lines reuse the previous request's strings (http1-strings.ts).
 */

import type { HttpRequest } from "../match.js";
import {
  K_CHUNKED,
  K_CONTENT_LENGTH,
  K_HOST,
  K_HTTP2_SETTINGS,
  K_OTHER,
  K_UPGRADE_H2C,
  StringCache,
  latin1,
} from "./http1-strings.js";

/** parseHead(): the range ends before the head does. */
export const HEAD_INCOMPLETE = -1;
/** parseHead(): the head breaks the grammar or the framing rules. */
export const HEAD_MALFORMED = -2;

/** Character classes (bit set per byte value). */
const C_TCHAR = 1;
/** HTAB, SP, VCHAR, obs-text: what a field value may hold (RFC 9110 §5.5). */
const C_VALUE = 2;
/** VCHAR except '#': what a request-target may hold. */
const C_TARGET = 4;
const C_HEX = 8;

/** Byte → class bits. */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  const tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (let i = 0; i < tchar.length; i++) {
    t[tchar.charCodeAt(i)]! |= C_TCHAR;
  }
  t[9]! |= C_VALUE;
  for (let c = 0x20; c < 0x7f; c++) {
    t[c]! |= C_VALUE;
  }
  for (let c = 0x80; c < 0x100; c++) {
    t[c]! |= C_VALUE;
  }
  for (let c = 0x21; c < 0x7f; c++) {
    t[c]! |= c === 0x23 ? 0 : C_TARGET;
  }
  for (const ch of "0123456789abcdefABCDEF") {
    t[ch.charCodeAt(0)]! |= C_HEX;
  }
  return t;
})();

/** Class bit: token character (RFC 9110 §5.6.2). */
export const CLASS_TCHAR = C_TCHAR;
/** Class bit: field-value character or OWS. */
export const CLASS_VALUE = C_VALUE;
/** Class bit: hexadecimal digit. */
export const CLASS_HEX = C_HEX;

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const N_HOST = enc("host");
const N_CONTENT_LENGTH = enc("content-length");
const N_TRANSFER_ENCODING = enc("transfer-encoding");
const N_UPGRADE = enc("upgrade");
const N_HTTP2_SETTINGS = enc("http2-settings");
const V_CHUNKED = enc("chunked");
const V_HTTP1 = enc("HTTP/1.");

/** Whether `b[s, e)` equals the lower-case ASCII `lit` case-insensitively (letters, digits, '-'). */
function eqLower(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  if (e - s !== lit.length) {
    return false;
  }
  for (let k = 0; k < lit.length; k++) {
    if ((b[s + k]! | 0x20) !== lit[k]) {
      return false;
    }
  }
  return true;
}

/** Whether the comma-separated list `b[s, e)` holds the token "h2c" (case-insensitive). */
function listHasH2c(b: Uint8Array, s: number, e: number): boolean {
  let t = s;
  for (let i = s; i <= e; i++) {
    if (i === e || b[i] === 0x2c) {
      let a = t;
      let z = i;
      while (a < z && (b[a] === 32 || b[a] === 9)) {
        a++;
      }
      while (z > a && (b[z - 1] === 32 || b[z - 1] === 9)) {
        z--;
      }
      if (z - a === 3 && (b[a]! | 0x20) === 0x68 && b[a + 1] === 0x32 && (b[a + 2]! | 0x20) === 0x63) {
        return true;
      }
      t = i + 1;
    }
  }
  return false;
}

/** The K_* kind of field `b[ns, ne)` with value `b[vs, ve)`, or -1 when the value is refused. */
function fieldKind(b: Uint8Array, ns: number, ne: number, vs: number, ve: number): number {
  switch (ne - ns) {
    case 4:
      return eqLower(b, ns, ne, N_HOST) ? K_HOST : K_OTHER;
    case 7:
      return eqLower(b, ns, ne, N_UPGRADE) && listHasH2c(b, vs, ve) ? K_UPGRADE_H2C : K_OTHER;
    case 14:
      if (eqLower(b, ns, ne, N_CONTENT_LENGTH)) {
        return K_CONTENT_LENGTH;
      }
      return eqLower(b, ns, ne, N_HTTP2_SETTINGS) ? K_HTTP2_SETTINGS : K_OTHER;
    case 17:
      if (eqLower(b, ns, ne, N_TRANSFER_ENCODING)) {
        // Only "chunked" is framed here; another coding is refused.
        return eqLower(b, vs, ve, V_CHUNKED) ? K_CHUNKED : -1;
      }
      return K_OTHER;
    default:
      return K_OTHER;
  }
}

/** Common methods interned, so the hot path allocates no method string. */
const METHODS = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
const METHOD_BYTES = METHODS.map(enc);

function methodName(b: Uint8Array, s: number, e: number): string {
  for (let m = 0; m < METHOD_BYTES.length; m++) {
    const lit = METHOD_BYTES[m]!;
    if (lit.length === e - s && lit[0] === b[s]) {
      let k = 1;
      while (k < lit.length && lit[k] === b[s + k]) {
        k++;
      }
      if (k === lit.length) {
        return METHODS[m]!;
      }
    }
  }
  return latin1(b, s, e);
}

/** Largest Content-Length accepted (2^53 - 1 keeps the count exact in a double). */
const MAX_CONTENT_LENGTH = Number.MAX_SAFE_INTEGER;

/** A parsed request head and its framing. Reused: `parseHead` resets every field. */
export class Http1Head {
  /** The request (valid after a successful parse). */
  request: HttpRequest | undefined = undefined;
  /** Content-Length, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** CONNECT: the rest of the stream is a tunnel. */
  connect = false;
  /** Upgrade: h2c with HTTP2-Settings (RFC 7540 §3.2). */
  h2c = false;
  private readonly cache = new StringCache();

  /**
   * Parse a head starting at `b[s]` and ending (CRLF CRLF) at or before `lim`. Returns the index after
   * the head, HEAD_INCOMPLETE when `lim` comes first, or HEAD_MALFORMED at the first bad byte or rule.
   */
  parse(b: Uint8Array, s: number, lim: number): number {
    const cls = CHAR_CLASS;
    const cache = this.cache;
    // Imported constants copied to locals for the hot loop (style.md: hot paths).
    const kHost = K_HOST;
    const kContentLength = K_CONTENT_LENGTH;
    const kChunked = K_CHUNKED;
    const kUpgradeH2c = K_UPGRADE_H2C;
    const kSettings = K_HTTP2_SETTINGS;
    this.request = undefined;
    this.contentLength = -1;
    this.chunked = false;
    this.h2c = false;
    let p = s;
    while (p < lim && (cls[b[p]!]! & C_TCHAR) !== 0) {
      p++;
    }
    if (p >= lim) {
      return HEAD_INCOMPLETE;
    }
    if (b[p] !== 32 || p === s) {
      return HEAD_MALFORMED;
    }
    const mEnd = p++;
    const tStart = p;
    while (p < lim && (cls[b[p]!]! & C_TARGET) !== 0) {
      p++;
    }
    if (p >= lim) {
      return HEAD_INCOMPLETE;
    }
    if (b[p] !== 32 || p === tStart) {
      return HEAD_MALFORMED;
    }
    const tEnd = p++;
    // "HTTP/1." DIGIT CRLF; a minor version other than 0 or 1 is refused (Envoy speaks 1.0 and 1.1).
    for (let k = 0; k < 10; k++, p++) {
      if (p >= lim) {
        return HEAD_INCOMPLETE;
      }
      const c = b[p]!;
      const ok =
        k < 7 ? c === V_HTTP1[k] : k === 7 ? c === 0x30 || c === 0x31 : k === 8 ? c === 13 : c === 10;
      if (!ok) {
        return HEAD_MALFORMED;
      }
    }
    const http10 = b[p - 3] === 0x30;
    const method = methodName(b, s, mEnd);
    this.connect = method === "CONNECT";
    // Request-target forms (RFC 9112 §3.2): origin, absolute, authority (CONNECT only), asterisk.
    let pathStart = tStart;
    let hostStart = -1;
    let hostEnd = -1;
    let slashPrefix = false;
    if (this.connect) {
      hostStart = tStart;
      hostEnd = tEnd;
      pathStart = tEnd;
    } else if (b[tStart] === 0x2f) {
      // origin-form: path and query as sent
    } else if (tEnd - tStart === 1 && b[tStart] === 0x2a) {
      if (method !== "OPTIONS") {
        return HEAD_MALFORMED;
      }
    } else {
      const a = absoluteAuthority(b, tStart, tEnd);
      if (a < 0) {
        return HEAD_MALFORMED;
      }
      hostStart = a;
      hostEnd = a;
      while (hostEnd < tEnd && b[hostEnd] !== 0x2f && b[hostEnd] !== 0x3f) {
        if (b[hostEnd] === 0x40) {
          return HEAD_MALFORMED; // userinfo is deprecated in http(s) URIs (RFC 9110 §4.2.4)
        }
        hostEnd++;
      }
      if (hostEnd === hostStart) {
        return HEAD_MALFORMED; // an http(s) URI needs a host (RFC 9110 §4.2.1)
      }
      pathStart = hostEnd;
      slashPrefix = hostEnd === tEnd || b[hostEnd] === 0x3f;
    }
    const headers: (readonly [string, string])[] = [];
    let host: string | undefined;
    let settings = false;
    let upgradeH2c = false;
    for (;;) {
      if (p >= lim) {
        return HEAD_INCOMPLETE;
      }
      if (b[p] === 13) {
        if (p + 1 >= lim) {
          return HEAD_INCOMPLETE;
        }
        if (b[p + 1] !== 10) {
          return HEAD_MALFORMED;
        }
        p += 2;
        break;
      }
      const k = headers.length;
      let pair: readonly [string, string];
      let kind: number;
      let num = -1;
      const hit = cache.match(b, k, p, lim);
      if (hit >= 0) {
        pair = cache.pairAt(k);
        kind = cache.kindAt(k);
        num = cache.numAt(k);
        p += hit + 2;
      } else {
        const ns = p;
        while (p < lim && (cls[b[p]!]! & C_TCHAR) !== 0) {
          p++;
        }
        if (p >= lim) {
          return HEAD_INCOMPLETE;
        }
        // Also refuses obs-fold (a line starting with SP/HTAB) and whitespace before the colon.
        if (b[p] !== 0x3a || p === ns) {
          return HEAD_MALFORMED;
        }
        const ne = p++;
        while (p < lim && (b[p] === 32 || b[p] === 9)) {
          p++;
        }
        const vs = p;
        while (p < lim) {
          const c = b[p]!;
          if (c < 0x20 || c === 0x7f) {
            if (c === 13) {
              break;
            }
            if (c !== 9) {
              return HEAD_MALFORMED; // field values hold HTAB, SP, VCHAR and obs-text only (RFC 9110 §5.5)
            }
          }
          p++;
        }
        if (p + 1 >= lim) {
          return HEAD_INCOMPLETE;
        }
        if (b[p + 1] !== 10) {
          return HEAD_MALFORMED;
        }
        let ve = p;
        while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) {
          ve--;
        }
        p += 2;
        kind = fieldKind(b, ns, ne, vs, ve);
        if (kind < 0) {
          return HEAD_MALFORMED;
        }
        if (kind === kContentLength) {
          num = decimal(b, vs, ve);
          if (num < 0) {
            return HEAD_MALFORMED;
          }
        }
        pair = cache.store(b, k, ns, ne, vs, ve, kind, num);
      }
      headers.push(pair);
      switch (kind) {
        case kHost:
          if (host !== undefined) {
            return HEAD_MALFORMED; // RFC 9112 §3.2: more than one Host is a 400
          }
          host = pair[1];
          break;
        case kContentLength:
          if (this.contentLength >= 0 && num !== this.contentLength) {
            return HEAD_MALFORMED;
          }
          this.contentLength = num;
          break;
        case kChunked:
          if (this.chunked) {
            return HEAD_MALFORMED; // a second Transfer-Encoding field
          }
          this.chunked = true;
          break;
        case kUpgradeH2c:
          upgradeH2c = true;
          break;
        case kSettings:
          settings = true;
          break;
        default:
          break;
      }
    }
    // Chunked together with Content-Length: refused, as Envoy does by default (RFC 9112 §6.1 allows it).
    if (this.chunked && this.contentLength >= 0) {
      return HEAD_MALFORMED;
    }
    let hostValue: string;
    if (hostStart >= 0) {
      hostValue = latin1(b, hostStart, hostEnd); // absolute-form / CONNECT: the target's authority wins
    } else if (host !== undefined) {
      hostValue = host;
    } else if (http10) {
      hostValue = "";
    } else {
      return HEAD_MALFORMED; // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400
    }
    const path = slashPrefix ? `/${latin1(b, pathStart, tEnd)}` : cache.pathOf(b, pathStart, tEnd);
    this.h2c = upgradeH2c && settings;
    this.request = {
      kind: "http",
      method,
      path,
      host: hostValue,
      headers: cache.headers(headers),
      protocol: http10 ? "HTTP/1.0" : "HTTP/1.1",
    };
    return p;
  }
}

/** The start of the authority in an absolute-form target `scheme "://" ...`, or -1. */
function absoluteAuthority(b: Uint8Array, s: number, e: number): number {
  let p = s;
  const c0 = b[p]! | 0x20;
  if (c0 < 0x61 || c0 > 0x7a) {
    return -1;
  }
  p++;
  while (p < e) {
    const c = b[p]!;
    const alpha = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (!(alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) {
      break;
    }
    p++;
  }
  if (p + 3 > e || b[p] !== 0x3a || b[p + 1] !== 0x2f || b[p + 2] !== 0x2f || p + 3 === e) {
    return -1;
  }
  return p + 3;
}

/** A non-empty run of decimal digits as a number, or -1. */
function decimal(b: Uint8Array, s: number, e: number): number {
  if (s === e) {
    return -1;
  }
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) {
      return -1;
    }
    n = n * 10 + d;
    if (n > MAX_CONTENT_LENGTH) {
      return -1;
    }
  }
  return n;
}
