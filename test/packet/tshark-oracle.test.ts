/**
 * @fileoverview The independent oracle for the parser: tshark decodes every capture in
 * ../shared/corpus/pcaps, and sluice's parsed addresses, ports, protocol, TCP flags, ICMP type/code and
 * tunnel VNI must equal tshark's, packet by packet. For tunnelled packets tshark lists the outer and
 * inner headers; the policy-relevant (inner) one is the last, the outer addresses are the first.
 * Skips with a notice when tshark or the corpus is absent (`.ci/run` installs tshark).
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_ICMP_CODE,
  F_ICMP_TYPE,
  F_OUTER_SRC_IP6,
  F_PARSE_REASON,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TUNNEL_VNI,
  PKT_TUNNEL,
  createContext,
} from "../../runtime/context.js";
import { ipToString } from "../../runtime/packet/describe.js";
import { parsePacket } from "../../runtime/packet/parse.js";
import { corpusPath } from "../helpers/corpus.js";
import { readCaptureFile } from "../helpers/captures.js";

const FIELDS = [
  "ip.src",
  "ip.dst",
  "ipv6.src",
  "ipv6.dst",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
  "sctp.srcport",
  "sctp.dstport",
  "tcp.flags",
  "icmp.type",
  "icmp.code",
  "icmpv6.type",
  "icmpv6.code",
  "vxlan.vni",
  "geneve.vni",
] as const;

function haveTshark(): boolean {
  try {
    execFileSync("tshark", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("notice: tshark is not installed; the parser's tshark oracle test is skipped");
    return false;
  }
}

const dir = corpusPath("pcaps");
const present = existsSync(dir) && haveTshark();
if (!existsSync(dir)) {
  console.warn(`notice: ${dir} is absent; the parser's tshark oracle test is skipped`);
}
const files = present
  ? readdirSync(dir)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .sort()
  : [];

/** tshark's decode: one record per packet, every occurrence of each field. */
function tshark(file: string): Record<(typeof FIELDS)[number], string[]>[] {
  const args = [
    "-r",
    `${dir}/${file}`,
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-E",
    "occurrence=a",
    "-E",
    "aggregator=,",
  ];
  for (const f of FIELDS) {
    args.push("-e", f);
  }
  const out = execFileSync("tshark", args, { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const cols = line.split("|");
      return Object.fromEntries(
        FIELDS.map((f, i) => [f, cols[i] === undefined || cols[i] === "" ? [] : cols[i].split(",")]),
      ) as Record<(typeof FIELDS)[number], string[]>;
    });
}

const last = (xs: readonly string[]): string | undefined => xs[xs.length - 1];

describe.skipIf(!present)("parser vs tshark on the corpus captures", () => {
  for (const file of files) {
    it(file, () => {
      const packets = readCaptureFile(`${dir}/${file}`);
      const decoded = tshark(file);
      expect(packets.length).toBe(decoded.length);
      let compared = 0;
      packets.forEach(({ data, linkType }, i) => {
        const t = decoded[i]!;
        const ctx = createContext();
        parsePacket(data, 0, data.length, linkType, ctx);
        const where = `${file} packet ${i + 1}`;
        expect(ctx[F_PARSE_REASON], where).toBe(0);
        const srcs = t["ip.src"].length > 0 ? t["ip.src"] : t["ipv6.src"];
        const dsts = t["ip.dst"].length > 0 ? t["ip.dst"] : t["ipv6.dst"];
        const vni = last(t["vxlan.vni"]) ?? last(t["geneve.vni"]);
        if (vni !== undefined) {
          expect(ctx[F_FLAGS]! & PKT_TUNNEL, where).not.toBe(0);
          expect(ctx[F_TUNNEL_VNI], where).toBe(Number(vni));
          expect(ipToString(ctx, F_OUTER_SRC_IP6), where).toBe(srcs[0]);
          if (srcs.length < 2) {
            return; // the inner frame carries no IP header (ARP): nothing more to compare
          }
        }
        expect(ipToString(ctx, F_SRC_IP6), where).toBe(last(srcs));
        expect(ipToString(ctx, F_DST_IP6), where).toBe(last(dsts));
        const udpInner = t["udp.srcport"].length > (vni !== undefined ? 1 : 0);
        if (t["tcp.srcport"].length > 0) {
          expect([ctx[F_PROTO], ctx[F_SRC_PORT], ctx[F_DST_PORT]], where).toEqual([
            6,
            Number(last(t["tcp.srcport"])),
            Number(last(t["tcp.dstport"])),
          ]);
          expect(ctx[F_TCP_FLAGS], where).toBe(Number(last(t["tcp.flags"])) & 0xff);
        } else if (t["sctp.srcport"].length > 0) {
          expect([ctx[F_PROTO], ctx[F_SRC_PORT], ctx[F_DST_PORT]], where).toEqual([
            132,
            Number(last(t["sctp.srcport"])),
            Number(last(t["sctp.dstport"])),
          ]);
        } else if (udpInner) {
          expect([ctx[F_PROTO], ctx[F_SRC_PORT], ctx[F_DST_PORT]], where).toEqual([
            17,
            Number(last(t["udp.srcport"])),
            Number(last(t["udp.dstport"])),
          ]);
        } else if (t["icmp.type"].length > 0) {
          expect([ctx[F_PROTO], ctx[F_ICMP_TYPE], ctx[F_ICMP_CODE]], where).toEqual([
            1,
            Number(t["icmp.type"][0]),
            Number(t["icmp.code"][0]),
          ]);
        } else if (t["icmpv6.type"].length > 0) {
          expect([ctx[F_PROTO], ctx[F_ICMP_TYPE], ctx[F_ICMP_CODE]], where).toEqual([
            58,
            Number(t["icmpv6.type"][0]),
            Number(t["icmpv6.code"][0]),
          ]);
        }
        compared++;
      });
      expect(compared).toBeGreaterThan(0);
    });
  }
});
