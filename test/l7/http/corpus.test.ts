// The HTTP captures of the corpus: the client→server bytes of each connection decoded whole, per byte
// and at random splits must give the method, path, host and headers tshark reads from the same files.
// The gRPC captures start after the HTTP/2 preface and SETTINGS (captured mid-connection), so they go
// straight to the HTTP/2 frame decoder; the HTTP/1.1 capture goes through createHttpDecoder.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Http2Decoder } from "../../../runtime/l7/http/h2.js";
import { HpackDecoder } from "../../../runtime/l7/http/hpack.js";
import { createHttpDecoder } from "../../../runtime/l7/http/index.js";
import type { StreamDecoder } from "../../../runtime/l7/stream/decoder.js";
import { DECODE_OK, DEFAULT_DECODER_LIMITS } from "../../../runtime/l7/stream/decoder.js";
import { corpusPath, haveCorpus } from "../../helpers/corpus.js";
import { captureStreams, streamBytes } from "../../helpers/tcp-streams.js";
import { RecordingSink, SPLITS, pushSplit, splitName } from "./support.js";

const haveTshark = ((): boolean => {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("notice: tshark is absent; the corpus comparisons are skipped");
    return false;
  }
})();

const SEP = "\x1f";
const AGG = "\x1e";

/** tshark's fields (one row per matching frame, occurrences split). */
function tshark(file: string, args: string[], fields: string[]): string[][][] {
  const out = execFileSync(
    "tshark",
    [
      "-r",
      corpusPath(`pcaps/${file}`),
      ...args,
      "-T",
      "fields",
      "-E",
      `separator=${SEP}`,
      "-E",
      `aggregator=${AGG}`,
    ].concat(fields.flatMap((f) => ["-e", f])),
    { encoding: "latin1", stdio: ["ignore", "pipe", "ignore"] },
  );
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(SEP).map((f) => f.split(AGG)));
}

interface Req {
  method: string;
  path: string;
  host: string;
  headers: [string, string][];
}

/** The client→server bytes of the capture's connection to `port`. */
function upstream(file: string, port: number): Uint8Array {
  const s = captureStreams(corpusPath(`pcaps/${file}`)).find((x) => x.dstPort === port);
  expect(s).toBeDefined();
  return streamBytes(s!);
}

function decodeEveryWay(bytes: Uint8Array, make: () => StreamDecoder, expected: Req[]): void {
  for (const split of SPLITS) {
    const sink = new RecordingSink();
    expect(pushSplit(make(), bytes, split, sink), splitName(split)).toBe(DECODE_OK);
    expect(
      sink.requests.map((r) => ({ method: r.method, path: r.path, host: r.host, headers: r.headers })),
      splitName(split),
    ).toEqual(expected);
    expect(sink.events.filter((e) => e.t === "carry").length).toBeGreaterThan(0);
  }
}

/** tshark's HTTP/2 request HEADERS of `file` (decoded as http2 on `port`) as requests. */
function h2Requests(file: string, port: number): Req[] {
  const rows = tshark(
    file,
    ["-d", `tcp.port==${port},http2`, "-Y", `http2.type==1 && tcp.dstport==${port}`],
    ["http2.header.name", "http2.header.value"],
  );
  return rows.map(([names = [], values = []]) => {
    const pairs = names.map((n, i): [string, string] => [n, values[i] ?? ""]);
    const pseudo = (n: string): string => pairs.find(([k]) => k === n)?.[1] ?? "";
    return {
      method: pseudo(":method"),
      path: pseudo(":path"),
      host: pseudo(":authority"),
      headers: pairs.filter(([n]) => !n.startsWith(":")),
    };
  });
}

describe.skipIf(!haveCorpus("pcaps") || !haveTshark)("corpus HTTP captures against tshark", () => {
  it("deepflow_httpv1.pcap: POST /query?… with its form body", () => {
    const rows = tshark(
      "deepflow_httpv1.pcap",
      ["-Y", "http.request"],
      ["http.request.method", "http.request.uri", "http.host", "http.request.line"],
    );
    const expected = rows.map(([[method = ""] = [], [path = ""] = [], [host = ""] = [], lines = []]) => ({
      method,
      path,
      host,
      headers: lines.map((l): [string, string] => {
        const line = l.replace(/\\r\\n$/, "");
        const colon = line.indexOf(":");
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      }),
    }));
    expect(expected).toHaveLength(1);
    decodeEveryWay(upstream("deepflow_httpv1.pcap", 80), () => createHttpDecoder(), expected);
  });

  it.each([
    ["deepflow_grpc-unary.pcap", 30035],
    ["deepflow_grpc-server-stream.pcap", 9001],
  ])("%s (h2c, port %i): the gRPC request HEADERS", (file, port) => {
    const expected = h2Requests(file, port);
    expect(expected).toHaveLength(1);
    expect(expected[0]!.method).toBe("POST");
    decodeEveryWay(
      upstream(file, port),
      () => new Http2Decoder(DEFAULT_DECODER_LIMITS, new HpackDecoder()),
      expected,
    );
  });
});
