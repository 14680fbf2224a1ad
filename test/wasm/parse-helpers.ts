/**
 * @fileoverview Shared by the wasm parser's differential tests: pack frames into one batch buffer, run
 * them through `parseIntoSlots` (the wasm parser) slot batch by slot batch, and compare every slot's
 * whole context, word for word, with what runtime/packet/parse.ts's `parsePacket` writes into a copy
 * of the same starting context (plus F_DIRECTION and F_CT_STATE zeroed, as the engine does). Slot
 * contexts start filled with a per-slot garbage pattern, so a word either parser forgets to reset or
 * writes when it should not shows up. The per-slot times and the returned time are compared with the
 * JS batch path (`parseIntoSlotsJs`) too. Also: the crafted frames covering every layer.
 */

import { CTX_WORDS, F_CT_STATE, F_DIRECTION } from "../../runtime/context.js";
import { parsePacket } from "../../runtime/packet/parse.js";
import { SlotFrames, parseIntoSlots, parseIntoSlotsJs } from "../../runtime/wasm/batch.js";
import type { SlotBatch } from "../../runtime/wasm/batch.js";
import type { WasmProgram } from "../../runtime/wasm/index.js";
import {
  concat,
  ethernet,
  geneve,
  icmp6Pkt,
  icmpPkt,
  ipip,
  ipv4,
  ipv4Fragment,
  ipv6,
  ipv6WithExtHeaders,
  sctpPkt,
  tcpPkt,
  tcpSegment,
  toLinkType,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";

/** Packs `frames` back to back with `gap` filler bytes (0xee) before each; times 1000·i ns. */
export function packBatch(frames: readonly Uint8Array[], gap = 0, times?: Float64Array): SlotBatch {
  const total = frames.reduce((n, f) => n + f.length + gap, 0);
  const buf = new Uint8Array(total).fill(0xee);
  const offsets = new Uint32Array(frames.length);
  const lengths = new Uint32Array(frames.length);
  let at = 0;
  frames.forEach((f, i) => {
    at += gap;
    buf.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  const timestampsNs = times ?? Float64Array.from(frames, (_, i) => 1000 * i);
  return { frames: buf, offsets, lengths, timestampsNs };
}

/** Context words that differ between the JS and the wasm parse, as "word: js / wasm". */
function wordDiff(js: Uint32Array, wasm: Uint32Array): string {
  const out: string[] = [];
  for (let k = 0; k < CTX_WORDS; k++) {
    if (js[k] !== wasm[k]) {
      out.push(`${k}: ${js[k]} / ${wasm[k]}`);
    }
  }
  return out.join(", ");
}

/** Counts of a comparison run. */
export interface CompareResult {
  /** Frames compared. */
  frames: number;
  /** Descriptions of the first mismatches (at most 10). */
  readonly mismatches: string[];
  /** Number of mismatching frames. */
  bad: number;
}

/** A fresh result to accumulate into. */
export function newResult(): CompareResult {
  return { frames: 0, mismatches: [], bad: 0 };
}

/**
 * Runs every frame of `batch` (count = offsets.length) as link type `linkType` through the wasm
 * parser and parsePacket, and accumulates the differences into `into`.
 */
export function compareBatch(
  wasm: WasmProgram,
  batch: SlotBatch,
  linkType: number,
  into: CompareResult = newResult(),
  lastNs = 7,
): CompareResult {
  const n = batch.offsets.length;
  const slots = new SlotFrames(wasm.slots);
  const jsSlots = new SlotFrames(wasm.slots);
  const ref = new Uint32Array(CTX_WORDS);
  let ns = lastNs;
  for (let start = 0; start < n; start += wasm.slots) {
    const count = Math.min(wasm.slots, n - start);
    for (let s = 0; s < count; s++) {
      wasm.contexts[s]!.fill((0xa5a5a5a5 ^ Math.imul(s + start, 0x9e3779b1)) >>> 0);
    }
    const before = wasm.contexts.slice(0, count).map((c) => c.slice());
    const got = parseIntoSlots(wasm, batch, linkType, start, count, slots, ns);
    const out = wasm.contexts.slice(0, count).map((c) => c.slice());
    const want = parseIntoSlotsJs(wasm, batch, linkType, start, count, jsSlots, ns);
    if (!Object.is(got, want)) {
      into.bad++;
      into.mismatches.push(`batch at ${start}: last time ${got}, want ${want}`);
    }
    ns = want;
    for (let s = 0; s < count; s++) {
      const i = start + s;
      into.frames++;
      ref.set(before[s]!);
      parsePacket(batch.frames, batch.offsets[i]!, batch.lengths[i]!, linkType, ref);
      ref[F_DIRECTION] = 0;
      ref[F_CT_STATE] = 0;
      let d = wordDiff(ref, out[s]!);
      if (!Object.is(slots.ns[s], jsSlots.ns[s]) || slots.base[s] !== jsSlots.base[s]) {
        d += ` slot time/base ${slots.ns[s]}/${slots.base[s]}, want ${jsSlots.ns[s]}/${jsSlots.base[s]}`;
      }
      if (d !== "") {
        into.bad++;
        if (into.mismatches.length < 10) {
          const off = batch.offsets[i]!;
          const bytes = Buffer.from(
            batch.frames.subarray(off, off + Math.min(batch.lengths[i]!, 96)),
          ).toString("hex");
          into.mismatches.push(`frame ${i} (link ${linkType}, len ${batch.lengths[i]}, ${bytes}): ${d}`);
        }
      }
    }
  }
  return into;
}

/** Valid frames covering every modelled layer, tunnel and option, as Ethernet frames. */
export function craftedEthernet(): Uint8Array[] {
  const tcp4 = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "SA", payload: new Uint8Array(20).fill(3) });
  const udp6 = udpPkt("[fd00::1]:5353", "[fd00::2]:53", { payload: new Uint8Array(9) });
  const icmpEcho = icmpPkt("10.0.0.1", "10.0.0.2", { id: 5, payload: new Uint8Array(8) });
  return [
    tcp4,
    tcpPkt("[fd00::1]:1", "[fd00::2]:2", { flags: "PA", payload: new Uint8Array(5), vlan: 9 }),
    tcpPkt("10.0.0.1:1", "10.0.0.2:2", { vlans: [10, 20], tcpOptions: new Uint8Array(12).fill(1) }),
    udpPkt("10.0.0.1:53", "10.0.0.2:5353", { payload: new Uint8Array(30) }),
    udp6,
    sctpPkt("10.0.0.1:1000", "10.0.0.2:2000", { payload: new Uint8Array(16) }),
    sctpPkt("[fd00::1]:1000", "[fd00::2]:2000"),
    icmpEcho,
    icmpPkt("10.0.0.1", "10.0.0.2", { type: 0, id: 77 }),
    icmpPkt("10.0.0.1", "10.0.0.2", { type: 3, code: 4, payload: new Uint8Array(28) }),
    icmp6Pkt("fd00::1", "fd00::2", { type: 128, id: 6 }),
    icmp6Pkt("fd00::1", "fd00::2", { type: 129, id: 6 }),
    icmp6Pkt("fd00::1", "fd00::2", { type: 135 }),
    // ICMP inside IPv6 and ICMPv6 inside IPv4 are unknown protocols.
    ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 1, new Uint8Array(8))),
    ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 58, new Uint8Array(8))),
    ethernet(0x0806, new Uint8Array(28)),
    ethernet(0x88cc, new Uint8Array(30)),
    ethernet(
      0x0800,
      ipv4("10.0.0.1", "10.0.0.2", 6, tcpSegment("10.0.0.1:1", "10.0.0.2:2"), {
        options: new Uint8Array(12),
      }),
    ),
    ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 47, new Uint8Array(12))),
    ipv4Fragment("10.0.0.1", "10.0.0.2", 17, new Uint8Array(24), { offset: 0, more: true, id: 1 }),
    ipv4Fragment("10.0.0.1", "10.0.0.2", 17, new Uint8Array(24), { offset: 1480, more: false, id: 1 }),
    ipv4Fragment("10.0.0.1", "10.0.0.2", 4, new Uint8Array(40), { offset: 0, more: true, id: 2 }),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 0 }, { type: 43, length: 24 }, { type: 60 }],
      6,
      tcpSegment("[fd00::1]:1", "[fd00::2]:2"),
    ),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [
        { type: 51, length: 24 },
        { type: 44, fragment: { offset: 0, more: true, id: 9 } },
      ],
      17,
      new Uint8Array(16),
    ),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 44, fragment: { offset: 8, more: false, id: 9 } }],
      6,
      new Uint8Array(16),
    ),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 44, fragment: { offset: 0, more: false, id: 3 } }],
      6,
      tcpSegment("[fd00::1]:1", "[fd00::2]:2"),
    ),
    ipv6WithExtHeaders("fd00::1", "fd00::2", [{ type: 60 }, { type: 0 }], 6, new Uint8Array(20)),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      Array.from({ length: 9 }, () => ({ type: 60 })),
      6,
      new Uint8Array(20),
    ),
    ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 50, new Uint8Array(24))),
    ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 59, new Uint8Array(4))),
    ethernet(
      0x86dd,
      ipv6("fd00::1", "fd00::2", 0, concat(new Uint8Array([17, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array(16)), {
        payloadLength: 0,
      }),
    ),
    vxlan("192.168.0.1", "192.168.0.2", 100, tcp4),
    vxlan("fd01::1", "fd01::2", 7, udp6, { dstPort: 8472 }),
    vxlan("192.168.0.1", "192.168.0.2", 100, ethernet(0x0806, new Uint8Array(28))),
    vxlan("192.168.0.1", "192.168.0.2", 100, tcpPkt("10.0.0.1:1", "10.0.0.2:2", { vlan: 5 })),
    geneve("192.168.0.1", "192.168.0.2", 10, tcp4, { options: new Uint8Array([0, 0, 0x80, 1, 0, 0, 0, 12]) }),
    geneve("fd01::1", "fd01::2", 11, udp6, { innerIp: true }),
    geneve("192.168.0.1", "192.168.0.2", 12, icmpEcho, { innerIp: true }),
    geneve("192.168.0.1", "192.168.0.2", 13, tcp4, { version: 1 }),
    geneve("192.168.0.1", "192.168.0.2", 14, tcp4, { protocol: 0x1234 }),
    vxlan("192.168.0.1", "192.168.0.2", 100, tcp4, { flags: 0 }),
    ipip("192.168.0.1", "192.168.0.2", tcp4),
    ipip("192.168.0.1", "192.168.0.2", udp6),
    ipip("fd01::1", "fd01::2", udp6),
    ipip("fd01::1", "fd01::2", tcp4),
    ipip("192.168.0.1", "192.168.0.2", vxlan("172.16.0.1", "172.16.0.2", 3, tcp4)),
    ipip("1.1.1.1", "2.2.2.2", ipip("3.3.3.3", "4.4.4.4", ipip("5.5.5.5", "6.6.6.6", tcp4))),
    vxlan("1.1.1.1", "2.2.2.2", 1, vxlan("3.3.3.3", "4.4.4.4", 2, vxlan("5.5.5.5", "6.6.6.6", 3, tcp4))),
  ];
}

/** The crafted frames under each link type: [link type, frames]. */
export function craftedByLinkType(): [number, Uint8Array[]][] {
  const eth = craftedEthernet();
  return [
    [1, eth],
    ...([101, 113, 276] as const).map((lt): [number, Uint8Array[]] => [
      lt,
      eth.map((f) => toLinkType(f, lt)),
    ]),
  ];
}
