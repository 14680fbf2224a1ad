// A TCP connection driven packet by packet through an engine: handshake, request segments (any split,
// out of order, retransmitted), replies; sequence numbers tracked like a real stack's.
import type { Engine, PacketResult } from "../../runtime/engine/engine.js";
import { tcpPkt } from "../../runtime/packet/craft.js";

/** "ip:port" or "[v6]:port". */
function at(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Verdict name with the reason name when dropped for a reason. */
export function verdictOf(r: PacketResult): string {
  return r.dropReason === 0 ? r.verdictName : `${r.verdictName} ${r.dropReasonName ?? r.dropReason}`;
}

/** One connection from `client` to `server`. */
export class Conversation {
  private readonly engine: Engine;
  private readonly c: string;
  private readonly s: string;
  /** Next client sequence number (ISN 1000 → first data byte 1001). */
  clientSeq = 1001;
  /** Next server sequence number. */
  serverSeq = 5001;
  /** Packet clock, ns. */
  nowNs: number;

  constructor(
    engine: Engine,
    client: string,
    clientPort: number,
    server: string,
    serverPort: number,
    startNs = 1e9,
  ) {
    this.engine = engine;
    this.c = at(client, clientPort);
    this.s = at(server, serverPort);
    this.nowNs = startNs;
  }

  private run(frame: Uint8Array): PacketResult {
    this.nowNs += 1000;
    return this.engine.process(frame, { timestampNs: this.nowNs });
  }

  /** SYN, SYN-ACK, ACK; returns the three verdicts. */
  handshake(): string[] {
    const syn = this.run(tcpPkt(this.c, this.s, { flags: "S", seq: this.clientSeq - 1 }));
    const synAck = this.run(
      tcpPkt(this.s, this.c, { flags: "SA", seq: this.serverSeq - 1, ack: this.clientSeq }),
    );
    const ack = this.run(tcpPkt(this.c, this.s, { flags: "A", seq: this.clientSeq, ack: this.serverSeq }));
    return [verdictOf(syn), verdictOf(synAck), verdictOf(ack)];
  }

  /** Client data at the current sequence number (advancing it), or at `seq` without advancing. */
  send(data: Uint8Array | string, seq?: number): PacketResult {
    const payload = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const s = seq ?? this.clientSeq;
    if (seq === undefined) {
      this.clientSeq = (this.clientSeq + payload.length) >>> 0;
    }
    return this.run(tcpPkt(this.c, this.s, { flags: "PA", seq: s, ack: this.serverSeq, payload }));
  }

  /** Send `text` cut at `cuts` (byte offsets); verdict of each segment. */
  sendSplit(text: string, cuts: readonly number[]): string[] {
    const bytes = new TextEncoder().encode(text);
    const bounds = [0, ...cuts, bytes.length];
    const out: string[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      out.push(verdictOf(this.send(bytes.subarray(bounds[i], bounds[i + 1]))));
    }
    return out;
  }

  /** Server data. */
  reply(data: Uint8Array | string): PacketResult {
    const payload = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const s = this.serverSeq;
    this.serverSeq = (this.serverSeq + payload.length) >>> 0;
    return this.run(tcpPkt(this.s, this.c, { flags: "PA", seq: s, ack: this.clientSeq, payload }));
  }

  /** Client FIN. */
  fin(): PacketResult {
    const r = this.run(tcpPkt(this.c, this.s, { flags: "FA", seq: this.clientSeq, ack: this.serverSeq }));
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    return r;
  }
}
