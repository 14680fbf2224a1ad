/**
 * @fileoverview Request streams for the L7 inspection benchmark (bench/l7.ts): small realistic requests
 * of each protocol, encoded here by hand from the specs so the benchmark needs no client library —
 * HTTP/1.1 (RFC 9112), gRPC over h2c (RFC 9113 frames, RFC 7541 literal header fields without indexing
 * and without Huffman, which is the slowest form for the decoder), Kafka Produce v0 and Fetch v0
 * (Kafka protocol guide), DNS A queries (RFC 1035).
 */

/** A stream of requests: the bytes, where each request ends, and what comes before the first one. */
export interface RequestStream {
  /** Connection preamble (h2c preface and SETTINGS), pushed once per connection. */
  readonly preamble: Uint8Array;
  /** All requests back to back. */
  readonly bytes: Uint8Array;
  /** End offset of each request in `bytes`. */
  readonly ends: Uint32Array;
}

const enc = new TextEncoder();

function concat(parts: readonly Uint8Array[]): { bytes: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(parts.length);
  let n = 0;
  parts.forEach((p, i) => {
    n += p.length;
    ends[i] = n;
  });
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, ends };
}

/** `count` HTTP/1.1 GETs and POSTs (80–120 bytes), as a browser or SDK sends them; a quarter carry a query string. */
export function http1Stream(count: number): RequestStream {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const text =
      i % 4 === 3
        ? `POST /api/v1/orders HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"item":${String(i % 1000).padStart(3, "0")}}`
        : `GET /api/v1/items/${i % 1000}${i % 4 === 2 ? "?view=full" : ""} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: bench/1\r\nAccept: */*\r\n\r\n`;
    parts.push(enc.encode(text));
  }
  return { preamble: new Uint8Array(0), ...concat(parts) };
}

/** An HTTP/2 frame header + payload. */
function frame(type: number, flags: number, stream: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(9 + payload.length);
  f[0] = payload.length >>> 16;
  f[1] = (payload.length >>> 8) & 255;
  f[2] = payload.length & 255;
  f[3] = type;
  f[4] = flags;
  f[5] = (stream >>> 24) & 0x7f;
  f[6] = (stream >>> 16) & 255;
  f[7] = (stream >>> 8) & 255;
  f[8] = stream & 255;
  f.set(payload, 9);
  return f;
}

/** An HPACK literal header field without indexing, new name (RFC 7541 §6.2.2), lengths < 127. */
function literal(name: string, value: string): Uint8Array {
  const n = enc.encode(name);
  const v = enc.encode(value);
  return Uint8Array.of(0x00, n.length, ...n, v.length, ...v);
}

/** `count` unary gRPC calls on one h2c connection: HEADERS then a DATA frame with a 10-byte message. */
export function grpcStream(count: number): RequestStream {
  const preface = enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  const preamble = concat([preface, frame(4, 0, 0, new Uint8Array(0))]).bytes;
  const methods = ["/shop.Cart/AddItem", "/shop.Cart/GetCart", "/shop.Catalog/ListProducts"];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const stream = 2 * i + 1;
    const block = concat([
      literal(":method", "POST"),
      literal(":scheme", "http"),
      literal(":path", methods[i % methods.length]!),
      literal(":authority", "cart:50051"),
      literal("content-type", "application/grpc"),
      literal("te", "trailers"),
    ]).bytes;
    const message = Uint8Array.of(0, 0, 0, 0, 10, 8, 1, 18, 6, 115, 104, 111, 101, 115, 33);
    parts.push(concat([frame(1, 0x4, stream, block), frame(0, 0x1, stream, message)]).bytes);
  }
  return { preamble, ...concat(parts) };
}

function kafkaString(s: string): Uint8Array {
  const b = enc.encode(s);
  return Uint8Array.of(b.length >> 8, b.length & 255, ...b);
}

function i32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

function kafkaRequest(apiKey: number, version: number, correlation: number, body: Uint8Array): Uint8Array {
  const header = concat([
    Uint8Array.of(0, apiKey, 0, version),
    i32(correlation),
    kafkaString("bench-client"),
  ]).bytes;
  return concat([i32(header.length + body.length), header, body]).bytes;
}

/** `count` Kafka requests, alternating Produce v0 (an empty message set) and Fetch v0, over 4 topics. */
export function kafkaStream(count: number): RequestStream {
  const topics = ["orders", "payments", "audit", "clicks"];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const topic = kafkaString(topics[i % topics.length]!);
    const body =
      i % 2 === 0
        ? concat([Uint8Array.of(0, 1), i32(1000), i32(1), topic, i32(1), i32(0), i32(0)]).bytes
        : concat([i32(-1), i32(500), i32(1), i32(1), topic, i32(1), i32(0), i32(0), i32(i), i32(1 << 20)])
            .bytes;
    parts.push(kafkaRequest(i % 2 === 0 ? 0 : 1, 0, i, body));
  }
  return { preamble: new Uint8Array(0), ...concat(parts) };
}

/** `count` DNS A queries (one datagram each) over 64 names, as a resolver sends them. */
export function dnsStream(count: number): RequestStream {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const labels = [`svc${i % 64}`, i % 2 === 0 ? "example" : "internal", "com"];
    const qname = labels.flatMap((l) => [l.length, ...enc.encode(l)]);
    parts.push(Uint8Array.of(i >> 8, i & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...qname, 0, 0, 1, 0, 1));
  }
  return { preamble: new Uint8Array(0), ...concat(parts) };
}
