// Per-connection byte streams of a capture (TCP payloads in sequence order, UDP datagrams), for
// testing the L7 decoders on real captures without the datapath.
import {
  F_DST_IP6,
  F_DST_PORT,
  F_L4_OFFSET,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  createContext,
} from "../../runtime/context.js";
import { ipToString } from "../../runtime/packet/describe.js";
import { parsePacket } from "../../runtime/packet/parse.js";
import { readCaptureFile } from "./captures.js";

/** One direction of one connection: `src:port>dst:port`, its payload segments in capture order. */
export interface CaptureStream {
  readonly key: string;
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Payloads in capture order with their TCP sequence numbers (0 for UDP) and frame index. */
  readonly segments: { seq: number; data: Uint8Array; frame: number }[];
}

/** Every direction of every TCP/UDP connection of capture `path` that carries payload. */
export function captureStreams(path: string): CaptureStream[] {
  const ctx = createContext();
  const byKey = new Map<string, CaptureStream>();
  readCaptureFile(path).forEach((p, frame) => {
    parsePacket(p.data, 0, p.data.length, p.linkType, ctx);
    const proto = ctx[F_PROTO]!;
    const len = ctx[F_PAYLOAD_LENGTH]!;
    if ((proto !== 6 && proto !== 17) || len === 0) {
      return;
    }
    const key = `${ipToString(ctx, F_SRC_IP6)}:${ctx[F_SRC_PORT]}>${ipToString(ctx, F_DST_IP6)}:${ctx[F_DST_PORT]}`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = { key, protocol: proto, srcPort: ctx[F_SRC_PORT]!, dstPort: ctx[F_DST_PORT]!, segments: [] };
      byKey.set(key, s);
    }
    const l4 = ctx[F_L4_OFFSET]!;
    const seq = proto === 6 ? new DataView(p.data.buffer, p.data.byteOffset).getUint32(l4 + 4) : 0;
    const off = ctx[F_PAYLOAD_OFFSET]!;
    s.segments.push({ seq, data: p.data.slice(off, off + len), frame });
  });
  return [...byKey.values()];
}

/** The in-order bytes of a TCP stream: segments sorted by sequence number, retransmits dropped. */
export function streamBytes(stream: CaptureStream): Uint8Array {
  const segs = [...stream.segments].sort((a, b) => (a.seq - b.seq) | 0);
  const parts: Uint8Array[] = [];
  let next: number | undefined;
  for (const s of segs) {
    if (next !== undefined && ((s.seq - next) | 0) < 0) {
      const skip = (next - s.seq) | 0;
      if (skip >= s.data.length) {
        continue;
      }
      parts.push(s.data.subarray(skip));
    } else {
      parts.push(s.data);
    }
    next = (s.seq + s.data.length) >>> 0;
  }
  return Buffer.concat(parts);
}
