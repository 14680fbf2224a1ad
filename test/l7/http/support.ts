// Shared pieces of the HTTP decoder tests: a recording sink, pushing a byte stream whole, one byte at a
// time or at random split points, and a comparable view of the decoded requests.
import type { HttpRequest, L7Request } from "../../../runtime/l7/match.js";
import type { L7Sink, StreamDecoder } from "../../../runtime/l7/stream/decoder.js";

/** One sink call. */
export type SinkEvent =
  { readonly t: "request"; readonly req: HttpRequest } | { readonly t: "carry"; readonly allowed: boolean };

/** A sink recording every call; `allow` answers requests (default: allow all). */
export class RecordingSink implements L7Sink {
  readonly events: SinkEvent[] = [];
  readonly allow: (req: HttpRequest) => boolean;

  constructor(allow: (req: HttpRequest) => boolean = () => true) {
    this.allow = allow;
  }

  request(req: L7Request): boolean {
    if (req.kind !== "http") {
      throw new Error(`not an HTTP request: ${req.kind}`);
    }
    this.events.push({ t: "request", req });
    return this.allow(req);
  }

  carry(allowed: boolean): void {
    this.events.push({ t: "carry", allowed });
  }

  /** The requests in order. */
  get requests(): HttpRequest[] {
    return this.events.flatMap((e) => (e.t === "request" ? [e.req] : []));
  }
}

/** A small deterministic PRNG (mulberry32) for reproducible split points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a stream is cut into pushes. */
export type Split = "whole" | "bytes" | { readonly seed: number };

/** Split names for test titles and the ways to cut. */
export const SPLITS: readonly Split[] = ["whole", "bytes", { seed: 1 }, { seed: 2 }, { seed: 3 }];

/** Push `bytes` into `dec` cut as `split` says; returns the last code (pushes stop at the first error). */
export function pushSplit(dec: StreamDecoder, bytes: Uint8Array, split: Split, sink: L7Sink): number {
  // Each push gets its own copy, as the datapath hands over packet payloads, so no decoder can rely on
  // seeing earlier bytes in the same buffer.
  const pieces: Uint8Array[] = [];
  if (split === "whole") {
    pieces.push(bytes.slice());
  } else if (split === "bytes") {
    for (let i = 0; i < bytes.length; i++) {
      pieces.push(bytes.slice(i, i + 1));
    }
  } else {
    const rnd = prng(split.seed);
    let i = 0;
    while (i < bytes.length) {
      const n = 1 + Math.floor(rnd() * 40);
      pieces.push(bytes.slice(i, i + n));
      i += n;
    }
  }
  let code = 0;
  for (const p of pieces) {
    // Place the piece at an offset inside a larger buffer to exercise start/end.
    const buf = new Uint8Array(p.length + 6);
    buf.set(p, 3);
    code = dec.push(buf, 3, 3 + p.length, sink);
    if (code !== 0) {
      break;
    }
  }
  return code;
}

/** Split name for titles. */
export function splitName(s: Split): string {
  return typeof s === "string" ? s : `random#${s.seed}`;
}

/** Latin1 bytes of a string. */
export function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The fields tests compare, with only the named headers (lower-cased names, sorted: order is the client's). */
export function view(
  req: HttpRequest,
  names: readonly string[] = [],
): { method: string; path: string; host: string; headers: [string, string][] } {
  return {
    method: req.method,
    path: req.path,
    host: req.host,
    headers: req.headers
      .filter(([n]) => names.includes(n.toLowerCase()))
      .map(([n, v]): [string, string] => [n.toLowerCase(), v])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  };
}
