// Real clients over loopback through the recording proxy: Node's http, undici (with pipelining), Node's
// http2 client with prior knowledge and @grpc/grpc-js against a real grpc-js server. The recorded
// client→server bytes are decoded whole, one byte per push and at random split points; each decoded
// request must be what the test asked the client to send.
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest, Agent } from "node:http";
import { connect as h2connect, createServer as h2createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { Client as UndiciClient, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpDecoder } from "../../../runtime/l7/http/index.js";
import { DECODE_OK } from "../../../runtime/l7/stream/decoder.js";
import { startTcpRecorder } from "../../helpers/tcp-recorder.js";
import type { TcpRecorder } from "../../helpers/tcp-recorder.js";
import { RecordingSink, SPLITS, pushSplit, splitName, view } from "./support.js";

type Expected = ReturnType<typeof view>;

/** Decode `bytes` every way; each way must give `expected` and carry every body with `true`. */
function expectDecoded(
  bytes: Uint8Array,
  expected: Expected[],
  names: readonly string[],
  bodies: boolean,
): void {
  for (const split of SPLITS) {
    const sink = new RecordingSink();
    const code = pushSplit(createHttpDecoder(), bytes, split, sink);
    expect(code, splitName(split)).toBe(DECODE_OK);
    expect(
      sink.requests.map((r) => view(r, names)),
      splitName(split),
    ).toEqual(expected);
    if (bodies) {
      expect(sink.events.some((e) => e.t === "carry" && e.allowed)).toBe(true);
    }
    expect(sink.events.every((e) => e.t === "request" || e.allowed)).toBe(true);
  }
}

/** An HTTP/1.1 server that reads each body and answers 200. */
async function h1Server(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      ),
  };
}

function send(
  port: number,
  agent: Agent,
  opts: { method: string; path: string; headers?: Record<string, string> },
  write?: (req: ReturnType<typeof httpRequest>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, agent, ...opts }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    if (write === undefined) {
      req.end();
    } else {
      write(req);
    }
  });
}

describe("real HTTP/1.1 clients", () => {
  let server: Awaited<ReturnType<typeof h1Server>>;
  let rec: TcpRecorder;
  beforeAll(async () => {
    server = await h1Server();
    rec = await startTcpRecorder(server.port);
  });
  afterAll(async () => {
    await rec.close();
    await server.close();
  });

  it("node:http keep-alive: GET with query, POST with Content-Length, chunked POST", async () => {
    const first = rec.connections.length;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await send(rec.port, agent, {
      method: "GET",
      path: "/items?id=42&q=a%20b",
      headers: { "X-Test": "one" },
    });
    await send(
      rec.port,
      agent,
      { method: "POST", path: "/form", headers: { "Content-Type": "text/plain" } },
      (r) => r.end("hello=world"),
    );
    await send(rec.port, agent, { method: "PUT", path: "/stream", headers: { "X-Test": "chunked" } }, (r) => {
      r.write("part one;");
      r.write("part two");
      r.end();
    });
    await send(rec.port, agent, { method: "DELETE", path: "/items/42" });
    agent.destroy();
    expect(rec.connections.length - first).toBe(1);
    const host = `127.0.0.1:${rec.port}`;
    expectDecoded(
      rec.upBytes(first),
      [
        { method: "GET", path: "/items?id=42&q=a%20b", host, headers: [["x-test", "one"]] },
        {
          method: "POST",
          path: "/form",
          host,
          headers: [
            ["content-length", "11"],
            ["content-type", "text/plain"],
          ],
        },
        {
          method: "PUT",
          path: "/stream",
          host,
          headers: [
            ["transfer-encoding", "chunked"],
            ["x-test", "chunked"],
          ],
        },
        { method: "DELETE", path: "/items/42", host, headers: [] },
      ],
      ["x-test", "content-type", "content-length", "transfer-encoding"],
      true,
    );
  });

  it("undici: pipelined requests on one Client, and fetch", async () => {
    const first = rec.connections.length;
    const client = new UndiciClient(`http://127.0.0.1:${rec.port}`, { pipelining: 4 });
    const paths = ["/p/1", "/p/2?x=y", "/p/3", "/p/4"];
    const answers = await Promise.all(
      paths.map(async (path, i) => {
        const r = await client.request({
          method: i === 2 ? "POST" : "GET",
          path,
          headers: { "x-seq": String(i) },
          ...(i === 2 ? { body: "payload-3" } : {}),
        });
        return r.body.text();
      }),
    );
    expect(answers).toEqual(["ok", "ok", "ok", "ok"]);
    await client.close();
    const res = await undiciFetch(`http://127.0.0.1:${rec.port}/fetched?z=1`, {
      method: "POST",
      headers: { "x-seq": "f" },
      body: "fetch body",
    });
    expect(await res.text()).toBe("ok");
    const host = `127.0.0.1:${rec.port}`;
    const conns = rec.connections.length - first;
    expect(conns).toBe(2);
    expectDecoded(
      rec.upBytes(first),
      paths.map((path, i) => ({
        method: i === 2 ? "POST" : "GET",
        path,
        host,
        headers: [["x-seq", String(i)]],
      })),
      ["x-seq"],
      true,
    );
    expectDecoded(
      rec.upBytes(first + 1),
      [{ method: "POST", path: "/fetched?z=1", host, headers: [["x-seq", "f"]] }],
      ["x-seq"],
      true,
    );
  });
});

describe("real HTTP/2 clients", () => {
  it("node:http2 with prior knowledge: GET and POST on one connection", async () => {
    const server = h2createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const rec = await startTcpRecorder((server.address() as AddressInfo).port);
    const session = h2connect(`http://127.0.0.1:${rec.port}`);
    const one = (headers: Record<string, string>, body?: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const s = session.request(headers);
        s.on("response", () => undefined);
        s.resume();
        s.on("end", resolve);
        s.on("error", reject);
        s.end(body);
      });
    await one({ ":method": "GET", ":path": "/h2/a?k=v", "x-test": "get" });
    await one(
      { ":method": "POST", ":path": "/h2/b", "x-test": "post", "content-type": "text/plain" },
      "body!",
    );
    await new Promise<void>((r) => {
      session.close(() => {
        r();
      });
    });
    await rec.close();
    await new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    );
    const host = `127.0.0.1:${rec.port}`;
    expectDecoded(
      rec.upBytes(0),
      [
        { method: "GET", path: "/h2/a?k=v", host, headers: [["x-test", "get"]] },
        {
          method: "POST",
          path: "/h2/b",
          host,
          headers: [
            ["content-type", "text/plain"],
            ["x-test", "post"],
          ],
        },
      ],
      ["x-test", "content-type"],
      true,
    );
  });

  it("grpc-js unary and server-streaming calls are POST /pkg.Service/Method", async () => {
    const pass = (b: Buffer): Buffer => b;
    const method = (path: string, responseStream: boolean) => ({
      path,
      requestStream: false,
      responseStream,
      requestSerialize: pass,
      requestDeserialize: pass,
      responseSerialize: pass,
      responseDeserialize: pass,
    });
    const service = {
      Unary: method("/sluice.test.Echo/Unary", false),
      Watch: method("/sluice.test.Echo/Watch", true),
    } as unknown as grpc.ServiceDefinition;
    const server = new grpc.Server();
    server.addService(service, {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        cb(null, call.request);
      },
      Watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        call.write(Buffer.from("a"));
        call.write(Buffer.from("b"));
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => {
        if (e === null) {
          resolve(p);
        } else {
          reject(e);
        }
      });
    });
    const rec = await startTcpRecorder(port);
    const Ctor = grpc.makeGenericClientConstructor(service, "Echo");
    const client = new Ctor(`127.0.0.1:${rec.port}`, grpc.credentials.createInsecure()) as unknown as {
      Unary(req: Buffer, md: grpc.Metadata, cb: (e: Error | null, r?: Buffer) => void): void;
      Watch(req: Buffer, md: grpc.Metadata): NodeJS.ReadableStream;
      close(): void;
    };
    const md = new grpc.Metadata();
    md.set("x-tenant", "t1");
    const reply = await new Promise<Buffer>((resolve, reject) => {
      client.Unary(Buffer.from("ping"), md, (e, r) => {
        if (e === null && r !== undefined) {
          resolve(r);
        } else {
          reject(e ?? new Error("no reply"));
        }
      });
    });
    expect(reply.toString()).toBe("ping");
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = client.Watch(Buffer.from("w"), md);
      s.on("data", (d: Buffer) => got.push(d.toString()));
      s.on("end", resolve);
      s.on("error", reject);
    });
    expect(got).toEqual(["a", "b"]);
    client.close();
    await rec.close();
    server.forceShutdown();
    const host = `127.0.0.1:${rec.port}`;
    const headers: [string, string][] = [
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ["x-tenant", "t1"],
    ];
    const names = ["content-type", "te", "x-tenant"];
    expectDecoded(
      rec.upBytes(0),
      [
        { method: "POST", path: "/sluice.test.Echo/Unary", host, headers },
        { method: "POST", path: "/sluice.test.Echo/Watch", host, headers },
      ],
      names,
      true,
    );
  });
});
