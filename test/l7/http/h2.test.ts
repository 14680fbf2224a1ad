// HTTP/2 request decoding on frames built by hand (RFC 9113 §4.1 frame layout, §6 frame definitions)
// with header blocks encoded by hpack.js, an independent HPACK encoder: requests, per-stream answers,
// CONTINUATION, padding, trailers, connection errors, limits and the h2c upgrade (RFC 7540 §3.2).
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { Http2Decoder, MAX_TRACKED_STREAMS } from "../../../runtime/l7/http/h2.js";
import { HpackDecoder } from "../../../runtime/l7/http/hpack.js";
import { H2_PREFACE, createHttpDecoder } from "../../../runtime/l7/http/index.js";
import {
  DECODE_COMPRESSION,
  DECODE_MALFORMED,
  DECODE_OK,
  DECODE_TOO_LARGE,
  DEFAULT_DECODER_LIMITS,
} from "../../../runtime/l7/stream/decoder.js";
import { RecordingSink, SPLITS, bytesOf, pushSplit, splitName } from "./support.js";
import type { SinkEvent } from "./support.js";

interface HpackCompressor {
  write(headers: { name: string; value: string }[]): void;
  read(): Buffer | null;
}
const hpackjs = createRequire(import.meta.url)("hpack.js") as {
  compressor: { create(o: { table: { size: number } }): HpackCompressor };
};

/** An hpack.js encoder for one connection. */
function encoder(): (fields: [string, string][]) => Uint8Array {
  const c = hpackjs.compressor.create({ table: { size: 4096 } });
  return (fields) => {
    c.write(fields.map(([name, value]) => ({ name, value })));
    const parts: Buffer[] = [];
    for (let b = c.read(); b !== null; b = c.read()) {
      parts.push(b);
    }
    return Buffer.concat(parts);
  };
}

/** One frame (RFC 9113 §4.1). */
function frame(
  type: number,
  flags: number,
  sid: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const f = new Uint8Array(9 + payload.length);
  f[0] = payload.length >>> 16;
  f[1] = (payload.length >>> 8) & 0xff;
  f[2] = payload.length & 0xff;
  f[3] = type;
  f[4] = flags;
  new DataView(f.buffer).setUint32(5, sid);
  f.set(payload, 9);
  return f;
}
const cat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const DATA = 0;
const HEADERS = 1;
const SETTINGS = 4;
const END_STREAM = 1;
const END_HEADERS = 4;
const PADDED = 8;
const PRIORITY = 0x20;
const SETTINGS_FRAME = frame(SETTINGS, 0, 0, new Uint8Array([0, 3, 0, 0, 0, 100]));

const get = (path: string, extra: [string, string][] = []): [string, string][] => [
  [":method", "GET"],
  [":scheme", "http"],
  [":authority", "api.example:8080"],
  [":path", path],
  ...extra,
];

/** Events with runs of equal carries merged, requests as "sid path". */
function merged(events: readonly SinkEvent[]): (string | boolean)[] {
  const out: (string | boolean)[] = [];
  for (const e of events) {
    const v = e.t === "request" ? `${e.req.streamId} ${e.req.path}` : e.allowed;
    if (typeof v === "string" || out[out.length - 1] !== v) {
      out.push(v);
    }
  }
  return out;
}

describe.each(SPLITS.map((s) => [splitName(s), s] as const))("HTTP/2 split %s", (_, split) => {
  it("prior knowledge: preface, SETTINGS, one GET", () => {
    const enc = encoder();
    const bytes = cat(
      H2_PREFACE,
      SETTINGS_FRAME,
      frame(HEADERS, END_HEADERS | END_STREAM, 1, enc(get("/a?b=1", [["user-agent", "t/1"]]))),
    );
    const sink = new RecordingSink();
    expect(pushSplit(createHttpDecoder(), bytes, split, sink)).toBe(DECODE_OK);
    expect(sink.events).toEqual([
      {
        t: "request",
        req: {
          kind: "http",
          method: "GET",
          path: "/a?b=1",
          host: "api.example:8080",
          headers: [["user-agent", "t/1"]],
          protocol: "HTTP/2",
          streamId: 1,
        },
      },
    ]);
  });

  it("interleaved streams keep their own answers; padding, priority, CONTINUATION, trailers", () => {
    const enc = encoder();
    const post = (path: string): [string, string][] => [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      ["host", "h2.example"],
      ["content-type", "application/grpc"],
    ];
    const b1 = enc(post("/ok.Svc/M"));
    const b3 = enc(post("/deny.Svc/M"));
    const padded = cat(new Uint8Array([4, 0, 0, 0, 0, 200]), b3, new Uint8Array(4));
    const b5 = enc(post("/ok.Svc/Other"));
    const bytes = cat(
      H2_PREFACE,
      SETTINGS_FRAME,
      frame(HEADERS, END_HEADERS, 1, b1),
      frame(HEADERS, END_HEADERS | PADDED | PRIORITY, 3, padded),
      frame(DATA, 0, 1, bytesOf("\0\0\0\0\x02hi")),
      frame(DATA, PADDED, 3, cat(new Uint8Array([3]), bytesOf("xyz"), new Uint8Array(3))),
      frame(HEADERS, 0, 5, b5.subarray(0, 3)),
      frame(9, 0, 5, b5.subarray(3, 5)),
      frame(9, END_HEADERS, 5, b5.subarray(5)),
      frame(0x42, 0, 0, bytesOf("unknown type")),
      frame(DATA, END_STREAM, 3, bytesOf("end")),
      frame(DATA, 0, 5, bytesOf("5")),
      frame(HEADERS, END_HEADERS | END_STREAM, 1, enc([["grpc-trailer", "x"]])),
      frame(DATA, END_STREAM, 5, new Uint8Array(0)),
      frame(HEADERS, END_HEADERS | END_STREAM, 7, enc([...post("/ok.Svc/M"), ["grpc-trailer", "x"]])),
    );
    const sink = new RecordingSink((r) => r.path.startsWith("/ok"));
    expect(pushSplit(createHttpDecoder(), bytes, split, sink)).toBe(DECODE_OK);
    expect(sink.requests.map((r) => [r.streamId, r.method, r.path, r.host])).toEqual([
      [1, "POST", "/ok.Svc/M", "h2.example"],
      [3, "POST", "/deny.Svc/M", "h2.example"],
      [5, "POST", "/ok.Svc/Other", "h2.example"],
      [7, "POST", "/ok.Svc/M", "h2.example"],
    ]);
    expect(sink.requests[3]!.headers).toEqual([
      ["host", "h2.example"],
      ["content-type", "application/grpc"],
      ["grpc-trailer", "x"],
    ]);
    expect(merged(sink.events)).toEqual([
      "1 /ok.Svc/M",
      "3 /deny.Svc/M",
      true, // DATA 1
      false, // DATA 3
      "5 /ok.Svc/Other",
      false, // DATA 3 END_STREAM
      true, // DATA 5, trailers of 1, DATA 5 END_STREAM
      "7 /ok.Svc/M",
    ]);
  });

  it("h2c upgrade: the HTTP/1.1 request, then HTTP/2 from stream 3; a declined upgrade stays HTTP/1.1", () => {
    const up =
      "GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n" +
      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    const enc = encoder();
    const accepted = cat(
      bytesOf(up),
      H2_PREFACE,
      SETTINGS_FRAME,
      frame(HEADERS, END_HEADERS | END_STREAM, 3, enc(get("/after"))),
    );
    const sink = new RecordingSink();
    expect(pushSplit(createHttpDecoder(), accepted, split, sink)).toBe(DECODE_OK);
    expect(sink.requests.map((r) => [r.protocol, r.streamId, r.path])).toEqual([
      ["HTTP/1.1", undefined, "/up"],
      ["HTTP/2", 3, "/after"],
    ]);
    const declined = bytesOf(`${up}POST /next HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx`);
    const sink2 = new RecordingSink();
    expect(pushSplit(createHttpDecoder(), declined, split, sink2)).toBe(DECODE_OK);
    expect(sink2.requests.map((r) => [r.protocol, r.path])).toEqual([
      ["HTTP/1.1", "/up"],
      ["HTTP/1.1", "/next"],
    ]);
  });

  it.each([
    [
      "CONTINUATION on another stream",
      [frame(HEADERS, 0, 1, new Uint8Array([0x82])), frame(9, END_HEADERS, 3)],
    ],
    ["a frame inside a header block", [frame(HEADERS, 0, 1, new Uint8Array([0x82])), SETTINGS_FRAME]],
    ["CONTINUATION without HEADERS", [frame(9, END_HEADERS, 1, new Uint8Array([0x82]))]],
    ["PUSH_PROMISE from a client", [frame(5, END_HEADERS, 1, new Uint8Array(4))]],
    ["DATA on stream 0", [frame(DATA, 0, 0, bytesOf("x"))]],
    ["DATA on an idle stream", [frame(DATA, 0, 9, bytesOf("x"))]],
    ["HEADERS on an even stream", [frame(HEADERS, END_HEADERS, 2, new Uint8Array([0x82]))]],
    ["SETTINGS of 5 bytes", [frame(SETTINGS, 0, 0, new Uint8Array(5))]],
    ["SETTINGS ACK with payload", [frame(SETTINGS, 1, 0, new Uint8Array(6))]],
    ["SETTINGS on a stream", [frame(SETTINGS, 0, 1)]],
    ["PING of 7 bytes", [frame(6, 0, 0, new Uint8Array(7))]],
    ["GOAWAY of 4 bytes", [frame(7, 0, 0, new Uint8Array(4))]],
    ["WINDOW_UPDATE of 3 bytes", [frame(8, 0, 0, new Uint8Array(3))]],
    ["RST_STREAM on an idle stream", [frame(3, 0, 11, new Uint8Array(4))]],
    ["PRIORITY of 4 bytes", [frame(2, 0, 1, new Uint8Array(4))]],
    [
      "HEADERS padding past the payload",
      [frame(HEADERS, END_HEADERS | PADDED, 1, new Uint8Array([5, 0x82]))],
    ],
    ["DATA padding as long as the payload", [frame(DATA, PADDED, 1, new Uint8Array([3, 0, 0]))]],
  ])("%s is a connection error (DECODE_MALFORMED)", (_n, frames) => {
    const opened = frame(HEADERS, END_HEADERS, 1, encoder()(get("/")));
    const first = frames[0]!;
    // The DATA-padding case needs stream 1 open first.
    const lead = first[3] === DATA && first[8] === 1 ? [opened] : [];
    const bytes = cat(H2_PREFACE, ...lead, ...frames);
    const dec = createHttpDecoder();
    expect(pushSplit(dec, bytes, split, new RecordingSink())).toBe(DECODE_MALFORMED);
    expect(dec.push(SETTINGS_FRAME, 0, 9, new RecordingSink())).toBe(DECODE_MALFORMED);
  });

  it("malformed requests are denied without a request call; a closed stream's bytes carry false", () => {
    const enc = encoder();
    const bytes = cat(
      H2_PREFACE,
      frame(
        HEADERS,
        END_HEADERS,
        1,
        enc([
          [":method", "GET"],
          [":scheme", "http"],
          [":authority", "h"],
        ]),
      ),
      frame(DATA, 0, 1, bytesOf("x")),
      frame(
        HEADERS,
        END_HEADERS,
        3,
        enc([
          [":method", "GET"],
          ["x", "1"],
          [":path", "/late"],
          [":scheme", "http"],
        ]),
      ),
      frame(HEADERS, END_HEADERS, 5, enc([...get("/"), ["connection", "close"]])),
      frame(HEADERS, END_HEADERS, 7, enc([...get("/"), ["X-Upper", "1"]])),
      frame(HEADERS, END_HEADERS, 9, enc([...get("/"), ["x-split", "a\r\nb: c"]])),
      frame(HEADERS, END_HEADERS, 11, enc([...get("/"), ["x-space", " a"]])),
      frame(HEADERS, END_HEADERS | END_STREAM, 13, enc(get("/ok"))),
      frame(DATA, 0, 13, bytesOf("after end")),
    );
    const sink = new RecordingSink();
    expect(pushSplit(createHttpDecoder(), bytes, split, sink)).toBe(DECODE_OK);
    expect(merged(sink.events)).toEqual([false, "13 /ok", false]);
  });

  it("header block limit: a block of maxHeaderBytes passes, one more byte is TOO_LARGE", () => {
    const limits = { ...DEFAULT_DECODER_LIMITS, maxHeaderBytes: 200 };
    // RFC 7541: 0x82 0x86 0x84 are static :method GET, :scheme http, :path /; then a literal without
    // indexing with a new name (§6.2.2), strings without Huffman, lengths as 7-bit prefix integers (§5.1).
    const block = (total: number): Uint8Array => {
      const head = [0x82, 0x86, 0x84, 0x00, 5, ...bytesOf("x-pad")];
      const n = total - head.length - 2; // a value of 127..254 bytes has a 2-byte length
      return new Uint8Array([...head, 0x7f, n - 127, ...new Uint8Array(n).fill(0x76)]);
    };
    const fit = block(200);
    expect(fit.length).toBe(200);
    const okSink = new RecordingSink();
    const dec = new Http2Decoder(limits, new HpackDecoder());
    expect(pushSplit(dec, frame(HEADERS, END_HEADERS, 1, fit), split, okSink)).toBe(DECODE_OK);
    expect(okSink.requests.map((r) => r.headers[0]![1].length)).toEqual([200 - 12]);
    const big = block(201);
    // Split over HEADERS + CONTINUATION the same limit applies.
    const two = cat(frame(HEADERS, 0, 1, big.subarray(0, 100)), frame(9, END_HEADERS, 1, big.subarray(100)));
    expect(pushSplit(new Http2Decoder(limits, new HpackDecoder()), two, split, new RecordingSink())).toBe(
      DECODE_TOO_LARGE,
    );
  });
});

describe("HTTP/2 buffers and bounds", () => {
  it("DATA payloads are streamed, never buffered; HPACK garbage is a compression error", () => {
    const enc = encoder();
    const dec = new Http2Decoder(DEFAULT_DECODER_LIMITS, new HpackDecoder());
    const sink = new RecordingSink();
    const big = new Uint8Array(1 << 20);
    const bytes = cat(frame(HEADERS, END_HEADERS, 1, enc(get("/up"))), frame(DATA, END_STREAM, 1, big));
    for (let i = 0; i < bytes.length; i += 1000) {
      expect(dec.push(bytes, i, Math.min(bytes.length, i + 1000), sink)).toBe(DECODE_OK);
      expect(dec.bufferedBytes).toBeLessThan(100);
    }
    expect(dec.trackedStreams).toBe(0);
    const bad = frame(HEADERS, END_HEADERS, 3, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(dec.push(bad, 0, bad.length, sink)).toBe(DECODE_COMPRESSION);
  });

  it(`at most ${MAX_TRACKED_STREAMS} open streams are remembered; the oldest is forgotten and denied`, () => {
    const enc = encoder();
    const dec = new Http2Decoder(DEFAULT_DECODER_LIMITS, new HpackDecoder());
    const sink = new RecordingSink();
    for (let n = 0; n <= MAX_TRACKED_STREAMS; n++) {
      const f = frame(HEADERS, END_HEADERS, 2 * n + 1, enc(get("/s")));
      expect(dec.push(f, 0, f.length, sink)).toBe(DECODE_OK);
    }
    expect(dec.trackedStreams).toBe(MAX_TRACKED_STREAMS);
    const d1 = frame(DATA, 0, 1, bytesOf("x"));
    const d3 = frame(DATA, 0, 3, bytesOf("x"));
    dec.push(d1, 0, d1.length, sink);
    dec.push(d3, 0, d3.length, sink);
    // Each DATA frame carries at its frame header and again for its payload.
    expect(sink.events.slice(-4).map((e) => e.t === "carry" && e.allowed)).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
