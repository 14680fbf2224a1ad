// A loopback TCP proxy that records what each direction of each connection carries: point a real
// client at `recorder.port`, it forwards to the target and keeps every chunk it relayed, so decoder
// tests can replay the exact client→server (or server→client) bytes. Loopback only (127.0.0.1).
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";

/** One proxied connection: the chunks in the order the proxy relayed them. */
export interface RecordedConnection {
  /** Client → server chunks. */
  readonly up: Uint8Array[];
  /** Server → client chunks. */
  readonly down: Uint8Array[];
}

/** A running recorder. */
export interface TcpRecorder {
  /** The port clients connect to (on 127.0.0.1). */
  readonly port: number;
  /** Connections in accept order. */
  readonly connections: RecordedConnection[];
  /** All client → server bytes of connection `i`, in order. */
  upBytes(i: number): Uint8Array;
  /** All server → client bytes of connection `i`, in order. */
  downBytes(i: number): Uint8Array;
  /** Stop listening and destroy the open connections. */
  close(): Promise<void>;
}

/** Start a recorder forwarding to 127.0.0.1:`targetPort`. */
export async function startTcpRecorder(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpRecorder> {
  const connections: RecordedConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const rec: RecordedConnection = { up: [], down: [] };
    connections.push(rec);
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (d: Buffer) => {
      rec.up.push(new Uint8Array(d));
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      rec.down.push(new Uint8Array(d));
      client.write(d);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
  return {
    port,
    connections,
    upBytes: (i) => concat(connections[i]?.up ?? []),
    downBytes: (i) => concat(connections[i]?.down ?? []),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}
