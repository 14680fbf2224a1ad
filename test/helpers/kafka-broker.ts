// A one-node Kafka broker stub for driving kafkajs over loopback: it frames requests, records every
// request's raw bytes (size field included, per connection, in arrival order) and answers enough valid
// responses, at the single version it advertises per API, for kafkajs's producer, admin and consumer to
// proceed. Topics named in Metadata requests exist with one partition led by this node; a consumer
// group has one member, which is its own leader. Fetch answers are empty and delayed by FETCH_DELAY_MS.
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";

/** One request as the client sent it. */
export interface RecordedRequest {
  /** Connection number, from 0 in accept order. */
  readonly conn: number;
  /** The request bytes, size field included. */
  readonly raw: Uint8Array;
}

/** A running stub. */
export interface KafkaBrokerStub {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Requests received so far. */
  readonly requests: RecordedRequest[];
  /** The client→broker bytes of every connection, by connection number. */
  streams(): Uint8Array[];
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/** The single version answered per API key (kafkajs uses min(its newest, this)). */
export const STUB_VERSIONS: ReadonlyMap<number, number> = new Map([
  [0, 3], // Produce
  [1, 4], // Fetch
  [2, 1], // ListOffsets
  [3, 1], // Metadata
  [8, 2], // OffsetCommit
  [9, 1], // OffsetFetch
  [10, 0], // FindCoordinator
  [11, 0], // JoinGroup
  [12, 0], // Heartbeat
  [13, 0], // LeaveGroup
  [14, 0], // SyncGroup
  [18, 2], // ApiVersions
  [19, 0], // CreateTopics
  [20, 0], // DeleteTopics
]);

const FETCH_DELAY_MS = 20;

/** Big-endian writer for response bodies (non-flexible encodings only). */
class Out {
  private readonly parts: Buffer[] = [];
  i8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string | null): this {
    if (s === null) {
      return this.i16(-1);
    }
    const b = Buffer.from(s, "utf8");
    this.i16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.i32(b.length);
    this.parts.push(Buffer.from(b));
    return this;
  }
  array<T>(items: readonly T[], each: (o: this, item: T) => void): this {
    this.i32(items.length);
    for (const it of items) {
      each(this, it);
    }
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Big-endian reader for the few request bodies the stub must understand. */
class In {
  private readonly b: Buffer;
  private p: number;
  constructor(b: Buffer, start: number) {
    this.b = b;
    this.p = start;
  }
  i8(): number {
    const v = this.b.readInt8(this.p);
    this.p += 1;
    return v;
  }
  i16(): number {
    const v = this.b.readInt16BE(this.p);
    this.p += 2;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.p);
    this.p += 4;
    return v;
  }
  str(): string | null {
    const n = this.i16();
    if (n < 0) {
      return null;
    }
    const s = this.b.toString("utf8", this.p, this.p + n);
    this.p += n;
    return s;
  }
  bytes(): Buffer {
    const n = this.i32();
    const v = this.b.subarray(this.p, this.p + Math.max(n, 0));
    this.p += Math.max(n, 0);
    return v;
  }
  array<T>(each: () => T): T[] | null {
    const n = this.i32();
    if (n < 0) {
      return null;
    }
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      out.push(each());
    }
    return out;
  }
}

/** Start a stub on an ephemeral loopback port. */
export async function startKafkaBroker(): Promise<KafkaBrokerStub> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const topics = new Set<string>();
  const group = { assignment: Buffer.alloc(0) };
  let port = 0;
  let conns = 0;

  const server: Server = createServer((sock) => {
    const conn = conns++;
    sockets.add(sock);
    let pending = Buffer.alloc(0);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sockets.delete(sock));
    sock.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const total = pending.readInt32BE(0) + 4;
        if (pending.length < total) {
          break;
        }
        const raw = pending.subarray(0, total);
        pending = pending.subarray(total);
        requests.push({ conn, raw: Uint8Array.from(raw) });
        try {
          respond(sock, Buffer.from(raw));
        } catch {
          sock.destroy(); // a request the stub cannot read: the client sees a closed connection
        }
      }
    });
  });

  const respond = (sock: Socket, raw: Buffer): void => {
    const apiKey = raw.readInt16BE(4);
    const version = raw.readInt16BE(6);
    const correlationId = raw.readInt32BE(8);
    const body = new In(raw, 12);
    body.str(); // client id
    const payload = reply(apiKey, version, body);
    if (payload === undefined) {
      return;
    }
    const frame = Buffer.alloc(8);
    frame.writeInt32BE(payload.length + 4, 0);
    frame.writeInt32BE(correlationId, 4);
    const send = (): void => {
      if (!sock.destroyed) {
        sock.write(Buffer.concat([frame, payload]));
      }
    };
    if (apiKey === 1) {
      setTimeout(send, FETCH_DELAY_MS);
    } else {
      send();
    }
  };

  const reply = (apiKey: number, version: number, body: In): Buffer | undefined => {
    const o = new Out();
    switch (apiKey) {
      case 18:
        o.i16(0).array([...STUB_VERSIONS], (w, [k, v]) => w.i16(k).i16(v).i16(v));
        return version >= 1 ? o.i32(0).done() : o.done();
      case 3: {
        const asked = body.array(() => body.str() ?? "") ?? [];
        for (const t of asked) {
          topics.add(t);
        }
        const names = asked.length > 0 ? asked : [...topics];
        const one = [0];
        return o
          .array(one, (w) => w.i32(0).str("127.0.0.1").i32(port).str(null))
          .i32(0)
          .array(names, (w, t) =>
            w
              .i16(0)
              .str(t)
              .i8(0)
              .array(one, (x) =>
                x
                  .i16(0)
                  .i32(0)
                  .i32(0)
                  .array(one, (y) => y.i32(0))
                  .array(one, (y) => y.i32(0)),
              ),
          )
          .done();
      }
      case 19: {
        const names = readCreateTopicNames(body);
        names.forEach((t) => topics.add(t));
        return o.array(names, (w, t) => w.str(t).i16(0)).done();
      }
      case 20: {
        const names = body.array(() => body.str() ?? "") ?? [];
        names.forEach((t) => topics.delete(t));
        return o.array(names, (w, t) => w.str(t).i16(0)).done();
      }
      case 0: {
        body.str(); // transactional id
        const acks = body.i16();
        body.i32();
        const data =
          body.array(() => ({
            topic: body.str() ?? "",
            parts: body.array(() => [body.i32(), body.bytes()]) ?? [],
          })) ?? [];
        if (acks === 0) {
          return undefined;
        }
        return o
          .array(data, (w, d) => w.str(d.topic).array(d.parts, (x) => x.i32(0).i16(0).i64(0n).i64(-1n)))
          .i32(0)
          .done();
      }
      case 2: {
        body.i32(); // replica id
        const data = readTopicPartitions(body, () => {
          const p = body.i32();
          body.i32(); // timestamp, int64
          body.i32();
          return p;
        });
        return o
          .array(data, (w, d) => w.str(d.topic).array(d.parts, (x, p) => x.i32(p).i16(0).i64(-1n).i64(0n)))
          .done();
      }
      case 9: {
        body.str(); // group id
        const data = readTopicPartitions(body, () => body.i32());
        return o
          .array(data, (w, d) => w.str(d.topic).array(d.parts, (x, p) => x.i32(p).i64(-1n).str("").i16(0)))
          .done();
      }
      case 8: {
        body.str(); // group id
        body.i32(); // generation
        body.str(); // member id
        body.i32(); // retention time, int64
        body.i32();
        const data = readTopicPartitions(body, () => {
          const p = body.i32();
          body.i32(); // offset, int64
          body.i32();
          body.str(); // metadata
          return p;
        });
        return o.array(data, (w, d) => w.str(d.topic).array(d.parts, (x, p) => x.i32(p).i16(0))).done();
      }
      case 10:
        return o.i16(0).i32(0).str("127.0.0.1").i32(port).done();
      case 11: {
        body.str(); // group id
        body.i32(); // session timeout
        body.str(); // member id
        body.str(); // protocol type
        const protocols = body.array(() => ({ name: body.str() ?? "", meta: body.bytes() })) ?? [];
        const first = protocols[0] ?? { name: "", meta: Buffer.alloc(0) };
        const member = "member-1";
        return o
          .i16(0)
          .i32(1)
          .str(first.name)
          .str(member)
          .str(member)
          .array([first.meta], (w, m) => w.str(member).bytes(m))
          .done();
      }
      case 14: {
        body.str(); // group id
        body.i32(); // generation
        body.str(); // member id
        const given = body.array(() => ({ member: body.str(), assignment: body.bytes() })) ?? [];
        if (given.length > 0) {
          group.assignment = Buffer.from(given[0]!.assignment);
        }
        return o.i16(0).bytes(group.assignment).done();
      }
      case 12:
      case 13:
        return o.i16(0).done();
      case 1: {
        body.i32(); // replica id
        body.i32(); // max wait
        body.i32(); // min bytes
        body.i32(); // max bytes
        body.i8();
        const data = readTopicPartitions(body, () => {
          const p = body.i32();
          body.i32(); // fetch offset, int64
          body.i32();
          body.i32(); // partition max bytes
          return p;
        });
        return o
          .i32(0)
          .array(data, (w, d) =>
            w.str(d.topic).array(d.parts, (x, p) => x.i32(p).i16(0).i64(0n).i64(0n).i32(0).i32(0)),
          )
          .done();
      }
      default:
        return o.done();
    }
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;

  return {
    port,
    requests,
    streams() {
      const by: Buffer[][] = [];
      for (const r of requests) {
        (by[r.conn] ??= []).push(Buffer.from(r.raw));
      }
      return by.map((parts) => Uint8Array.from(Buffer.concat(parts)));
    },
    async close() {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function readCreateTopicNames(body: In): string[] {
  return (
    body.array(() => {
      const name = body.str() ?? "";
      body.i32(); // partitions
      body.i16(); // replication factor
      body.array(() => (body.i32(), body.array(() => body.i32())));
      body.array(() => (body.str(), body.str()));
      return name;
    }) ?? []
  );
}

function readTopicPartitions(body: In, part: () => number): { topic: string; parts: number[] }[] {
  return body.array(() => ({ topic: body.str() ?? "", parts: body.array(part) ?? [] })) ?? [];
}
