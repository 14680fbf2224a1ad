// The DNS-over-TCP capture of the corpus (deepflow_dns.pcap, port 53): every query the query decoder
// reports and every response the response reader hands over must equal tshark's decode of the same
// frames (id, first question name and type, QR, RCODE, answer count). Skips with a notice when the
// corpus or tshark is absent.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { DnsMessage } from "../../../runtime/l7/dns/message.js";
import { createDnsQueryDecoder, createDnsResponseReader } from "../../../runtime/l7/dns/stream.js";
import type { L7Request } from "../../../runtime/l7/match.js";
import { DECODE_OK } from "../../../runtime/l7/stream/decoder.js";
import { corpusPath, haveCorpus } from "../../helpers/corpus.js";
import { captureStreams, streamBytes } from "../../helpers/tcp-streams.js";

const FILE = "pcaps/deepflow_dns.pcap";

function haveTshark(): boolean {
  try {
    execFileSync("tshark", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("notice: tshark is not installed; the DNS corpus oracle test is skipped");
    return false;
  }
}

const present = haveCorpus(FILE) && haveTshark();

/** tshark's rows: id, name, qtype, response, rcode, answers (one DNS message per frame here). */
function tsharkRows(): string[][] {
  const fields = [
    "dns.id",
    "dns.qry.name",
    "dns.qry.type",
    "dns.flags.response",
    "dns.flags.rcode",
    "dns.count.answers",
  ];
  const out = execFileSync(
    "tshark",
    ["-r", corpusPath(FILE), "-Y", "dns", "-T", "fields", ...fields.flatMap((f) => ["-e", f])],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return out
    .trim()
    .split("\n")
    .map((l) => l.split("\t"));
}

describe.skipIf(!present)("deepflow_dns.pcap against tshark", () => {
  it("decodes the same queries and responses", () => {
    const rows = tsharkRows();
    const tsharkQueries = rows
      .filter((r) => r[3] === "False" || r[3] === "0")
      .map((r) => ({ kind: "dns", id: Number(r[0]), name: r[1], qtype: Number(r[2]) }));
    const tsharkResponses = rows
      .filter((r) => r[3] === "True" || r[3] === "1")
      .map((r) => [Number(r[0]), r[1], Number(r[2]), Number(r[4]), Number(r[5])]);
    expect(tsharkQueries.length).toBeGreaterThan(0);
    expect(tsharkResponses.length).toBeGreaterThan(0);

    const queries: L7Request[] = [];
    const responses: DnsMessage[] = [];
    const sink = { request: (r: L7Request) => queries.push(r) > 0, carry: () => undefined };
    for (const s of captureStreams(corpusPath(FILE)).filter((x) => x.protocol === 6)) {
      const bytes = streamBytes(s);
      if (s.dstPort === 53) {
        expect(createDnsQueryDecoder().push(bytes, 0, bytes.length, sink)).toBe(DECODE_OK);
      } else if (s.srcPort === 53) {
        const r = createDnsResponseReader({ maxHeaderBytes: 0, maxMessageBytes: 65535 }, (m) =>
          responses.push(m),
        );
        expect(r.push(bytes, 0, bytes.length)).toBe(DECODE_OK);
      }
    }
    const byId = (a: { id?: number }, b: { id?: number }): number => (a.id ?? 0) - (b.id ?? 0);
    const dnsQueries = queries.filter((q) => q.kind === "dns");
    expect(dnsQueries.sort(byId)).toEqual([...tsharkQueries].sort(byId));
    expect(
      [...responses]
        .sort(byId)
        .map((m) => [m.id, m.questions[0]?.name, m.questions[0]?.type, m.rcode, m.answers.length]),
    ).toEqual([...tsharkResponses].sort((a, b) => (a[0] as number) - (b[0] as number)));
    expect(responses.every((m) => m.qr && m.complete)).toBe(true);
  });
});
