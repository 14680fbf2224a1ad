/**
 * @fileoverview The parser on the shared sample captures (../shared/corpus/pcaps): every packet parses
 * without a drop reason, and the parsed fields agree with the origin tools' own decodes — tcpdump's
 * `tcpdump_vxlan.out` / `tcpdump_geneve-vv.out` lines, and nDPI's per-flow packet and byte counts in the
 * `ndpi_*.out` files. The capture files are read with the project's pcap reader.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createContext,
  F_FLAGS,
  F_FRAME_LENGTH,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_PARSE_REASON,
  F_PAYLOAD_LENGTH,
  F_PROTO,
  F_TCP_FLAGS,
  F_TUNNEL_TYPE,
  F_TUNNEL_VNI,
  F_SRC_PORT,
  F_DST_PORT,
  F_SRC_IP6,
  F_DST_IP6,
  F_OUTER_SRC_IP6,
  F_OUTER_DST_IP6,
  PKT_ARP,
  PKT_IPV6,
  TUN_GENEVE,
  TUN_VXLAN,
} from "../../runtime/context.js";
import { ip6ToString, ipToString, summarizeContext } from "../../runtime/packet/describe.js";
import { parsePacket } from "../../runtime/packet/parse.js";
import { readCaptureFile } from "../helpers/captures.js";
import { parseEndpoint } from "../helpers/packets.js";

const DIR = join(import.meta.dirname, "../../../shared/corpus/pcaps");

/** Packets of a capture file of the corpus. */
function readCapture(file: string): { data: Uint8Array; linkType: number }[] {
  return readCaptureFile(join(DIR, file));
}

/** Parses every packet of `file` into its own context. */
function parseCapture(file: string): Uint32Array[] {
  return readCapture(file).map(({ data, linkType }) => {
    const ctx = createContext();
    parsePacket(data, 0, data.length, linkType, ctx);
    return ctx;
  });
}

const corpus = existsSync(DIR) ? describe : describe.skip;

corpus("shared corpus captures", () => {
  const FILES: [string, number][] = [
    ["tcpdump_vxlan.pcap", 10],
    ["tcpdump_geneve.pcap", 39],
    ["ndpi_http_ipv6.pcap", 193],
    ["ndpi_kafka.pcapng", 41],
    ["deepflow_dns.pcap", 4],
    ["deepflow_grpc-server-stream.pcap", 8],
    ["deepflow_grpc-unary.pcap", 2],
    ["deepflow_httpv1.pcap", 2],
  ];
  for (const [file, count] of FILES) {
    it(`${file}: ${count} packets, none with a drop reason`, () => {
      const ctxs = parseCapture(file);
      expect(ctxs.length).toBe(count);
      expect(ctxs.filter((c) => c[F_PARSE_REASON] !== 0).map((c) => summarizeContext(c))).toEqual([]);
    });
  }

  it("tcpdump_vxlan.pcap agrees with tcpdump_vxlan.out", () => {
    // Packets 2 and 3 carry ARP; the others ICMP echo id 1292 between 192.168.203.3 and .5.
    const lines = parseCapture("tcpdump_vxlan.pcap").map((c) => {
      const tunnel = `vxlan ${c[F_TUNNEL_TYPE] === TUN_VXLAN ? c[F_TUNNEL_VNI] : "?"} ${ipToString(c, F_OUTER_SRC_IP6)} > ${ipToString(c, F_OUTER_DST_IP6)}`;
      if ((c[F_FLAGS]! & PKT_ARP) !== 0) {
        return `${tunnel}: ARP`;
      }
      const kind = c[F_ICMP_TYPE] === 8 ? "echo request" : "echo reply";
      return `${tunnel}: ${ipToString(c, F_SRC_IP6)} > ${ipToString(c, F_DST_IP6)} ICMP ${kind}, id ${c[F_ICMP_ID]}`;
    });
    const req = "192.168.203.3 > 192.168.203.5 ICMP echo request, id 1292";
    const rep = "192.168.203.5 > 192.168.203.3 ICMP echo reply, id 1292";
    const out = "vxlan 100 192.168.203.1 > 192.168.202.1";
    const back = "vxlan 100 192.168.202.1 > 192.168.203.1";
    expect(lines).toEqual([
      `${out}: ${req}`,
      `${back}: ARP`,
      "vxlan 100 192.168.203.1 > 192.168.202.1: ARP",
      `${back}: ${rep}`,
      `${out}: ${req}`,
      `${back}: ${rep}`,
      `${out}: ${req}`,
      `${back}: ${rep}`,
      `${out}: ${req}`,
      `${back}: ${rep}`,
    ]);
  });

  it("tcpdump_geneve.pcap agrees with tcpdump_geneve-vv.out (packets 1, 2, 3, 6, 11)", () => {
    const c = parseCapture("tcpdump_geneve.pcap");
    const line = (i: number): string => {
      const x = c[i - 1]!;
      const geneve =
        x[F_TUNNEL_TYPE] === TUN_GENEVE ? `vni 0x${x[F_TUNNEL_VNI]!.toString(16)}` : "not geneve";
      return `${ipToString(x, F_OUTER_SRC_IP6)} > ${ipToString(x, F_OUTER_DST_IP6)} ${geneve}: ${summarizeContext(x).replace(/ \(geneve.*\)$/, "")} length ${x[F_PAYLOAD_LENGTH]}`;
    };
    expect([line(1), line(2), line(3), line(6), line(11)]).toEqual([
      "20.0.0.1 > 20.0.0.2 vni 0xa: 30.0.0.1 > 30.0.0.2 ICMP type 8 code 0 id 10578 length 56",
      "20.0.0.2 > 20.0.0.1 vni 0xb: 30.0.0.2 > 30.0.0.1 ICMP type 0 code 0 id 10578 length 56",
      "20.0.0.2 > 20.0.0.1 vni 0xb: 30.0.0.2:51225 > 30.0.0.1:22 TCP [S] length 0",
      "20.0.0.1 > 20.0.0.2 vni 0xa: 30.0.0.1:22 > 30.0.0.2:51225 TCP [P.] length 39",
      "20.0.0.1 > 20.0.0.2 vni 0xa: 30.0.0.1:22 > 30.0.0.2:51225 TCP [.] length 0",
    ]);
  });

  /** One nDPI flow: `"TCP a > b"` oriented as nDPI prints it, and `"x/y z/w"` packets/bytes per direction. */
  interface Flow {
    readonly key: string;
    readonly counts: string;
  }

  /**
   * An nDPI endpoint in RFC 5952 form: nDPI shortens a single zero group (`b00c::25de`), which RFC 5952
   * §4.2.2 does not, so IPv6 text is re-read and re-printed.
   */
  function canonical(endpoint: string): string {
    if (!endpoint.startsWith("[")) {
      return endpoint;
    }
    const { ip, port } = parseEndpoint(endpoint);
    const w = (i: number): number =>
      ((ip[i]! << 24) | (ip[i + 1]! << 16) | (ip[i + 2]! << 8) | ip[i + 3]!) >>> 0;
    return `[${ip6ToString([w(0), w(4), w(8), w(12)])}]:${port}`;
  }

  /** Flow lines of an nDPI `.out` file: `<n> TCP <a> <-> <b> [...][x pkts/y bytes <-> z pkts/w bytes]`. */
  function ndpiFlows(outFile: string): Flow[] {
    const text = readFileSync(join(DIR, outFile), "utf8");
    const flows: Flow[] = [];
    const line =
      /^\s+\d+\s+(TCP|UDP) (\S+) <?-> (\S+) .*?\[(\d+) pkts\/(\d+) bytes <?-> (\d+) pkts\/(\d+) bytes\]/gm;
    for (const m of text.matchAll(line)) {
      flows.push({
        key: `${m[1]} ${canonical(m[2]!)} > ${canonical(m[3]!)}`,
        counts: `${m[4]}/${m[5]} ${m[6]}/${m[7]}`,
      });
    }
    return flows.sort((x, y) => x.key.localeCompare(y.key));
  }

  /** Per-flow packet and frame-byte counts from parsed packets, oriented like nDPI's line for the flow. */
  function parsedFlows(file: string, orientation: ReadonlySet<string>): Flow[] {
    const counts = new Map<string, [number, number, number, number]>();
    for (const c of parseCapture(file)) {
      const v6 = (c[F_FLAGS]! & PKT_IPV6) !== 0;
      const ep = (field: number, port: number): string =>
        v6 ? `[${ipToString(c, field)}]:${port}` : `${ipToString(c, field)}:${port}`;
      const proto = c[F_PROTO] === 6 ? "TCP" : "UDP";
      const a = ep(F_SRC_IP6, c[F_SRC_PORT]!);
      const b = ep(F_DST_IP6, c[F_DST_PORT]!);
      const forward = `${proto} ${a} > ${b}`;
      const key = orientation.has(forward) ? forward : `${proto} ${b} > ${a}`;
      const k = counts.get(key) ?? [0, 0, 0, 0];
      const i = key === forward ? 0 : 2;
      k[i] += 1;
      k[i + 1]! += c[F_FRAME_LENGTH]!;
      counts.set(key, k);
    }
    return [...counts]
      .map(([key, [p1, b1, p2, b2]]) => ({ key, counts: `${p1}/${b1} ${p2}/${b2}` }))
      .sort((x, y) => x.key.localeCompare(y.key));
  }

  for (const [file, out, flows] of [
    ["ndpi_http_ipv6.pcap", "ndpi_http_ipv6.pcap.out", 15],
    ["ndpi_kafka.pcapng", "ndpi_kafka.pcapng.out", 9],
  ] as const) {
    it(`${file}: per-flow packets and bytes agree with ${out}`, () => {
      const expected = ndpiFlows(out);
      expect(expected.length).toBe(flows);
      expect(parsedFlows(file, new Set(expected.map((f) => f.key)))).toEqual(expected);
    });
  }

  it("deepflow captures are IPv4/TCP with the TCP flags tcpdump would print", () => {
    const c = parseCapture("deepflow_httpv1.pcap");
    expect(c.map((x) => `${x[F_PROTO]} ${x[F_TCP_FLAGS]! & 0x18}`)).toEqual(["6 24", "6 24"]);
  });
});
