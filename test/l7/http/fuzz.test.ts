// Property tests (fast-check): random bytes and mutated real requests never make the decoders throw,
// every push returns a defined DECODE_* code that sticks once nonzero, and the bytes held stay within
// the limits; generated valid pipelines decode to exactly the generated requests however they are cut.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpStreamDecoder, H2_PREFACE } from "../../../runtime/l7/http/index.js";
import { DEFAULT_DECODER_LIMITS } from "../../../runtime/l7/stream/decoder.js";
import { RecordingSink, bytesOf, view } from "./support.js";

const LIMITS = { ...DEFAULT_DECODER_LIMITS, maxHeaderBytes: 256 };
/** The HTTP/2 block buffer may also hold one HEADERS frame's pad length, priority and padding. */
const MAX_HELD = LIMITS.maxHeaderBytes + 261;

/** Push `bytes` cut at `cuts`; checks codes, stickiness and the buffer bound on the way. */
function run(bytes: Uint8Array, cuts: number[]): number {
  const dec = new HttpStreamDecoder(LIMITS);
  const sink = new RecordingSink((r) => r.path.length % 2 === 0);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  let code = 0;
  for (const p of [...points, bytes.length]) {
    const piece = bytes.slice(prev, p);
    prev = p;
    const r = dec.push(piece, 0, piece.length, sink);
    expect([0, 1, 2, 3]).toContain(r);
    if (code !== 0) {
      expect(r).toBe(code);
    }
    code = r;
    expect(dec.bufferedBytes).toBeLessThanOrEqual(MAX_HELD);
  }
  return code;
}

const SEEDS = [
  "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n",
  "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
  "GET /up HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
].map(bytesOf);
// HTTP/2: preface, SETTINGS, HEADERS (static-table :method GET, :scheme http, :path /, literal
// :authority "h", RFC 7541 Appendix C.2), DATA with END_STREAM.
const H2_SEED = new Uint8Array([
  ...H2_PREFACE,
  ...[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100],
  ...[0, 0, 6, 1, 4, 0, 0, 0, 1, 0x82, 0x86, 0x84, 0x41, 1, 0x68],
  ...[0, 0, 3, 0, 1, 0, 0, 0, 1, 0x61, 0x62, 0x63],
]);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("repeat" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 600 }) }),
);

function apply(
  src: Uint8Array,
  ms: { kind: string; at: number; value?: number; bytes?: Uint8Array; n?: number }[],
) {
  let b = Array.from(src);
  for (const m of ms) {
    const at = m.at % (b.length + 1);
    if (m.kind === "flip" && at < b.length) {
      b[at] = m.value!;
    } else if (m.kind === "insert") {
      b.splice(at, 0, ...m.bytes!);
    } else if (m.kind === "delete") {
      b.splice(at, m.n);
    } else if (m.kind === "repeat" && at < b.length) {
      b = [...b.slice(0, at), ...new Array<number>(m.n!).fill(b[at]!), ...b.slice(at)];
    }
  }
  return new Uint8Array(b);
}

describe("HTTP decoders under random input", () => {
  it("random bytes, with and without the HTTP/2 preface", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (b, h2, cuts) => {
          run(h2 ? new Uint8Array([...H2_PREFACE, ...b]) : b, cuts);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("mutated real requests", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS, H2_SEED),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (seed, ms, cuts) => {
          run(apply(seed, ms), cuts);
        },
      ),
      { numRuns: 600 },
    );
  });

  it("generated pipelines decode to the generated requests however they are cut", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const pathChars = fc.stringMatching(/^(\/[A-Za-z0-9._~%!$&'()*+,;=:@?-]{0,10}){1,4}$/);
    const value = fc.stringMatching(/^[!-~](?:[ -~]{0,18}[!-~])?$/);
    const reqArb = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "PATCH", "M-SEARCH"),
      path: pathChars,
      host: fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{1,5})?$/),
      headers: fc.array(fc.tuple(token, value), { maxLength: 4 }),
      body: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      chunked: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(reqArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (reqs, cuts) => {
          const ok = reqs.map((r) => ({
            ...r,
            headers: r.headers.filter(([n]) => !/^(host|content-length|transfer-encoding|upgrade)$/i.test(n)),
          }));
          const text = ok
            .map((r) => {
              const fields = r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("");
              if (r.body === undefined) {
                return `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\n${fields}\r\n`;
              }
              if (r.chunked) {
                const body = r.body === "" ? "" : `${r.body.length.toString(16)}\r\n${r.body}\r\n`;
                return `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\nTransfer-Encoding: chunked\r\n${fields}\r\n${body}0\r\n\r\n`;
              }
              return `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\nContent-Length: ${r.body.length}\r\n${fields}\r\n${r.body}`;
            })
            .join("");
          const bytes = bytesOf(text);
          const dec = new HttpStreamDecoder(DEFAULT_DECODER_LIMITS);
          const sink = new RecordingSink();
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            expect(dec.push(bytes.slice(prev, p), 0, p - prev, sink)).toBe(0);
            prev = p;
          }
          const names = [...new Set(ok.flatMap((r) => r.headers.map(([n]) => n.toLowerCase())))];
          expect(sink.requests.map((r) => view(r, names))).toEqual(
            ok.map((r) => ({
              method: r.method,
              path: r.path,
              host: r.host,
              headers: r.headers
                .map(([n, v]): [string, string] => [n.toLowerCase(), v])
                .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
