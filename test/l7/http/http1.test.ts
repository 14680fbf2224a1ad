// HTTP/1.1 request decoding on hand-written requests. Expected values come from the request text
// itself and RFC 9112 (request-target forms §3.2 with its examples, field syntax §5, framing §6–§7),
// checked for every way of splitting the stream.
import { describe, expect, it } from "vitest";
import { createHttpDecoder } from "../../../runtime/l7/http/index.js";
import { Http1Decoder } from "../../../runtime/l7/http/http1.js";
import {
  DECODE_MALFORMED,
  DECODE_OK,
  DECODE_TOO_LARGE,
  DEFAULT_DECODER_LIMITS,
} from "../../../runtime/l7/stream/decoder.js";
import { RecordingSink, SPLITS, bytesOf, pushSplit, splitName } from "./support.js";
import type { SinkEvent } from "./support.js";

/** Events with runs of equal carries merged (a split body carries once per push). */
function merged(events: readonly SinkEvent[]): (string | boolean)[] {
  const out: (string | boolean)[] = [];
  for (const e of events) {
    const v = e.t === "request" ? `${e.req.method} ${e.req.path}` : e.allowed;
    if (typeof v === "string" || out[out.length - 1] !== v) {
      out.push(v);
    }
  }
  return out;
}

function decode(text: string, split: (typeof SPLITS)[number] = "whole", allow?: (m: string) => boolean) {
  const sink = new RecordingSink(allow === undefined ? undefined : (r) => allow(r.method + " " + r.path));
  const code = pushSplit(createHttpDecoder(), bytesOf(text), split, sink);
  return { code, sink };
}

describe.each(SPLITS.map((s) => [splitName(s), s] as const))("HTTP/1.1 split %s", (_, split) => {
  it("origin-form GET with query, headers as sent, OWS trimmed", () => {
    const { code, sink } = decode(
      "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  t/1 \t\r\nX-Empty:\r\n\r\n",
      split,
    );
    expect(code).toBe(DECODE_OK);
    expect(sink.requests).toEqual([
      {
        kind: "http",
        method: "GET",
        path: "/a/b?x=1&y=%20",
        host: "example.com",
        headers: [
          ["Host", "example.com"],
          ["User-Agent", "t/1"],
          ["X-Empty", ""],
        ],
        protocol: "HTTP/1.1",
      },
    ]);
  });

  it("absolute-form: the target's authority is the host (RFC 9112 §3.2.2)", () => {
    const { sink } = decode(
      "GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\nHost: other\r\n\r\n" +
        "GET http://h:8080?q=1 HTTP/1.1\r\nHost: h:8080\r\n\r\nGET https://h HTTP/1.1\r\nHost: h\r\n\r\n",
      split,
    );
    expect(sink.requests.map((r) => [r.path, r.host])).toEqual([
      ["/pub/WWW/TheProject.html", "www.example.org"],
      ["/?q=1", "h:8080"],
      ["/", "h"],
    ]);
  });

  it("asterisk-form OPTIONS and HTTP/1.0 without Host", () => {
    const { code, sink } = decode(
      "OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\nGET /old HTTP/1.0\r\n\r\n",
      split,
    );
    expect(code).toBe(DECODE_OK);
    expect(sink.requests.map((r) => [r.method, r.path, r.host, r.protocol])).toEqual([
      ["OPTIONS", "*", "www.example.org:8001", "HTTP/1.1"],
      ["GET", "/old", "", "HTTP/1.0"],
    ]);
  });

  it("Content-Length body carried, pipelined requests each decided", () => {
    const { code, sink } = decode(
      "POST /p HTTP/1.1\r\nHost: h\r\ncontent-LENGTH: 11\r\nContent-Length: 11\r\n\r\nhello world" +
        "GET /deny HTTP/1.1\r\nHost: h\r\n\r\nPUT /d2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
        "\r\nDELETE /x HTTP/1.1\r\nHost: h\r\n\r\n",
      split,
      (m) => !m.includes("d"),
    );
    expect(code).toBe(DECODE_OK);
    expect(merged(sink.events)).toEqual(["POST /p", true, "GET /deny", "PUT /d2", false, "DELETE /x"]);
  });

  it("chunked body with extensions and trailers (RFC 9112 §7.1)", () => {
    const body =
      '4;ext=1;q="a b"\r\nWiki\r\n5 ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n000\r\nExpires: x\r\nX-T: y\r\n\r\n';
    const { code, sink } = decode(
      `POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n${body}GET /next HTTP/1.1\r\nHost: h\r\n\r\n`,
      split,
    );
    expect(code).toBe(DECODE_OK);
    expect(merged(sink.events)).toEqual(["POST /c", true, "GET /next"]);
  });

  it("CONNECT: authority-form, the rest of the stream is carried with its answer", () => {
    const { code, sink } = decode(
      "CONNECT server.example.com:80 HTTP/1.1\r\nHost: server.example.com:80\r\n\r\n\x16\x03\x01 GET / HTTP/1.1\r\n\r\n",
      split,
      () => false,
    );
    expect(code).toBe(DECODE_OK);
    expect(sink.requests.map((r) => [r.method, r.path, r.host])).toEqual([
      ["CONNECT", "", "server.example.com:80"],
    ]);
    expect(merged(sink.events)).toEqual(["CONNECT ", false]);
  });

  it("empty lines before a request line are ignored (RFC 9112 §2.2)", () => {
    const { code, sink } = decode(
      "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
      split,
    );
    expect(code).toBe(DECODE_OK);
    expect(sink.requests.map((r) => r.path)).toEqual(["/", "/2"]);
  });

  it.each([
    ["obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n"],
    ["bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"],
    ["bare LF line end", "GET / HTTP/1.1\nHost: h\r\n\r\n"],
    ["space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"],
    ["NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00\r\n\r\n"],
    [
      "conflicting Content-Length",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    ],
    ["Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"],
    ["Content-Length not digits", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"],
    [
      "chunked with Content-Length",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    ],
    ["Transfer-Encoding gzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"],
    ["two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
    ["HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n"],
    ["HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: h\r\n\r\n"],
    ["lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n"],
    ["two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"],
    ["fragment in target", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n"],
    ["control byte in target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"],
    ["asterisk with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n"],
    ["relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"],
    ["bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["chunk without CRLF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n"],
    [
      "bad trailer",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
    ],
  ])("%s is malformed and stays so", (_n, text) => {
    const sink = new RecordingSink();
    const dec = createHttpDecoder();
    expect(pushSplit(dec, bytesOf(text), split, sink)).toBe(DECODE_MALFORMED);
    // A framing error in the body comes after its valid head was decided.
    expect(sink.requests).toHaveLength(text.includes("chunked\r\n\r\n") ? 1 : 0);
    expect(dec.push(bytesOf("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0, 27, sink)).toBe(DECODE_MALFORMED);
  });

  it("header block limit: exactly the limit passes, one byte more is TOO_LARGE, buffer stays bounded", () => {
    const limits = { ...DEFAULT_DECODER_LIMITS, maxHeaderBytes: 200 };
    const head = (n: number): string => {
      const base = "GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n";
      return base.replace("X: ", `X: ${"a".repeat(n - base.length)}`);
    };
    expect(head(200)).toHaveLength(200);
    const ok = new Http1Decoder(limits);
    const sink = new RecordingSink();
    expect(pushSplit(ok, bytesOf(head(200)), split, sink)).toBe(DECODE_OK);
    expect(sink.requests).toHaveLength(1);
    const big = new Http1Decoder(limits);
    const bytes = bytesOf(head(201));
    let code = DECODE_OK;
    for (let i = 0; i < bytes.length && code === DECODE_OK; i++) {
      code = big.push(bytes, i, i + 1, sink);
      expect(big.bufferedBytes).toBeLessThanOrEqual(200);
    }
    expect(code).toBe(DECODE_TOO_LARGE);
    expect(pushSplit(new Http1Decoder(limits), bytes, split, new RecordingSink())).toBe(DECODE_TOO_LARGE);
  });
});

describe("HTTP/1.1 sink calls per push", () => {
  it("a body split across pushes is carried in each push with the request's answer", () => {
    const dec = createHttpDecoder();
    const sink = new RecordingSink(() => false);
    const head = bytesOf("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01");
    expect(dec.push(head, 0, head.length, sink)).toBe(DECODE_OK);
    expect(sink.events.map((e) => e.t)).toEqual(["request", "carry"]);
    const rest = bytesOf("2345678");
    expect(dec.push(rest, 0, rest.length, sink)).toBe(DECODE_OK);
    expect(dec.push(bytesOf("9"), 0, 1, sink)).toBe(DECODE_OK);
    expect(sink.events.slice(2)).toEqual([
      { t: "carry", allowed: false },
      { t: "carry", allowed: false },
    ]);
  });

  it("a head split over pushes makes no call until it is complete", () => {
    const dec = createHttpDecoder();
    const sink = new RecordingSink();
    const a = bytesOf("GET /x HTTP/1.1\r\nHo");
    const b = bytesOf("st: h\r\n\r");
    expect(dec.push(a, 0, a.length, sink)).toBe(DECODE_OK);
    expect(dec.push(b, 0, b.length, sink)).toBe(DECODE_OK);
    expect(sink.events).toEqual([]);
    expect(dec.push(bytesOf("\n"), 0, 1, sink)).toBe(DECODE_OK);
    expect(sink.requests.map((r) => [r.path, r.host])).toEqual([["/x", "h"]]);
  });
});

describe("HTTP/1.1 string reuse across keep-alive requests", () => {
  it("repeated and changing lines, names and paths decode to what each request says", () => {
    const reqs = Array.from({ length: 40 }, (_, i) => ({
      path: i % 3 === 0 ? "/same" : `/item/${i % 5}`,
      host: i < 20 ? "a.example" : "b.example",
      id: String(i % 7 === 0 ? 7 : i),
      third: i % 2 === 0 ? ["Accept", "*/*"] : ["X-Other", `v${i}`],
    }));
    const text = reqs
      .map(
        (r) =>
          `GET ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\nX-Id: ${r.id}\r\n${r.third[0]}: ${r.third[1]}\r\n\r\n`,
      )
      .join("");
    for (const split of SPLITS) {
      const { code, sink } = decode(text, split);
      expect(code).toBe(DECODE_OK);
      expect(sink.requests.map((r) => [r.path, r.host, r.headers])).toEqual(
        reqs.map((r) => [
          r.path,
          r.host,
          [
            ["Host", r.host],
            ["X-Id", r.id],
            [r.third[0], r.third[1]],
          ],
        ]),
      );
    }
  });
});
