// Conntrack in a region of a larger buffer (the wasm backend's memory; runtime/conntrack/region.ts):
// the same answers, counters and entries as a table in a buffer of its own, the bytes around the
// region untouched, and a region of the wrong size refused. The own-buffer table is the oracle (its
// semantics are covered by conntrack.test.ts and model.test.ts).
import { describe, expect, it } from "vitest";
import { Conntrack } from "../../runtime/conntrack/conntrack.js";
import { regionBytes } from "../../runtime/conntrack/region.js";
import { icmpError, tcp, udp } from "./packets.js";
import type { TestPacket } from "./packets.js";

function traffic(): TestPacket[] {
  const out: TestPacket[] = [];
  for (let i = 0; i < 40; i++) {
    const a = `10.0.0.${1 + (i % 5)}:${1000 + i}`;
    const b = `10.0.1.${1 + (i % 3)}:80`;
    out.push(tcp(a, b, "S"), tcp(b, a, "SA"), tcp(a, b, "A"), udp(a, b), udp(b, a));
    if (i % 4 === 0) {
      out.push(
        tcp(a, b, "FA"),
        tcp(b, a, "FA"),
        icmpError(b.split(":")[0]!, a.split(":")[0]!, 3, 3, tcp(a, b, "A")),
      );
    }
  }
  return out;
}

describe("Conntrack in a shared region", () => {
  it("behaves as with its own buffer and writes only inside the region", () => {
    const capacity = 16; // small: eviction happens
    const pad = 4096;
    const buffer = new ArrayBuffer(pad + regionBytes(capacity) + pad);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xa5, 0, pad);
    bytes.fill(0xa5, pad + regionBytes(capacity));
    const shared = new Conntrack({ capacity }, { buffer, byteOffset: pad, capacity });
    const own = new Conntrack({ capacity });
    let now = 1e9;
    for (const p of traffic()) {
      now += 3e8;
      const a = shared.lookup(p.ctx, p.frame, now);
      const b = own.lookup(p.ctx, p.frame, now);
      expect(a).toBe(b);
      if (a === 0) {
        expect(shared.create(p.ctx, now, 1)).toBe(own.create(p.ctx, now, 1));
      }
    }
    expect(shared.counters).toEqual(own.counters);
    expect(shared.snapshot()).toEqual(own.snapshot());
    expect(shared.memoryBytes).toBe(own.memoryBytes);
    expect(Buffer.compare(shared.storage, own.storage)).toBe(0);
    expect(shared.audit()).toBe("");
    expect(bytes.subarray(0, pad).every((x) => x === 0xa5)).toBe(true);
    expect(bytes.subarray(pad + regionBytes(capacity)).every((x) => x === 0xa5)).toBe(true);
  });

  it("refuses a region sized for another capacity", () => {
    const buffer = new ArrayBuffer(regionBytes(64));
    expect(() => new Conntrack({ capacity: 32 }, { buffer, byteOffset: 0, capacity: 64 })).toThrow(
      RangeError,
    );
  });
});
