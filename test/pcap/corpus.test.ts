/**
 * @fileoverview The real captures in shared/corpus/pcaps, checked against independent oracles: the
 * corpus README's packet counts, and Wireshark's tshark and capinfos (packet by packet: count, epoch
 * timestamp to the nanosecond, captured and original length, interface id, raw bytes; per interface:
 * link type, snaplen, ticks per second, name). The writers' output is also read back by tshark.
 *
 * When the corpus folder or tshark is missing, the dependent tests are skipped with a notice.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import {
  CaptureReader,
  PcapngWriter,
  concatBytes,
  openCaptureFile,
  readCapture,
  writePcap,
  type CaptureInterface,
} from "../../runtime/pcap/index.js";
import { bytesOf, toHex } from "./helpers.js";

const CORPUS_DIR = fileURLToPath(new URL("../../../shared/corpus/pcaps/", import.meta.url));
const HAVE_CORPUS = existsSync(CORPUS_DIR);
if (!HAVE_CORPUS) {
  console.warn(`[pcap] corpus folder ${CORPUS_DIR} not found: real-capture tests are skipped`);
}
const HAVE_TSHARK = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
const HAVE_CAPINFOS = spawnSync("capinfos", ["-h"], { stdio: "ignore" }).status === 0;
if (!HAVE_TSHARK) {
  console.warn("[pcap] tshark not found on PATH (expected /usr/bin/tshark): tshark comparisons are skipped");
}
if (!HAVE_CAPINFOS) {
  console.warn("[pcap] capinfos not found on PATH: interface comparisons are skipped");
}

const FILES = HAVE_CORPUS
  ? readdirSync(CORPUS_DIR)
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .sort()
  : [];

/** A packet as both sides describe it. */
interface Row {
  /** Epoch time "sec.nnnnnnnnn". */
  time: string;
  /** Original length. */
  len: number;
  /** Captured length. */
  capLen: number;
  /** pcapng interface id, or "" for pcap (tshark prints nothing). */
  iface: string;
  /** Captured bytes in hex. */
  hex: string;
}

/** Our reader's view of a file, streamed with the given chunk size. */
async function ourRows(path: string, highWaterMark?: number): Promise<{ rows: Row[]; linkTypes: number[] }> {
  const rows: Row[] = [];
  const linkTypes: number[] = [];
  const pcapng = path.endsWith(".pcapng");
  const opts = highWaterMark === undefined ? {} : { highWaterMark };
  for await (const p of openCaptureFile(path, opts)) {
    rows.push({
      time: `${p.tsSec}.${String(p.tsNsec).padStart(9, "0")}`,
      len: p.originalLength,
      capLen: p.captureLength,
      iface: pcapng ? String(p.interfaceId) : "",
      hex: toHex(p.data),
    });
    linkTypes.push(p.linkType);
  }
  return { rows, linkTypes };
}

/** The frame fields tshark's JSON output carries for each packet. */
interface TsharkFrame {
  _source: { layers: { frame_raw?: [string, ...unknown[]]; frame: Record<string, string | undefined> } };
}

/** tshark's view of a file: frame fields and raw bytes from one JSON run. */
function tsharkRows(path: string): Row[] {
  const frames = JSON.parse(
    execFileSync("tshark", ["-n", "-r", path, "-T", "json", "-x", "-j", "frame"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as TsharkFrame[];
  return frames.map(({ _source: { layers } }) => ({
    time: layers.frame["frame.time_epoch"] ?? "",
    len: Number(layers.frame["frame.len"]),
    capLen: Number(layers.frame["frame.cap_len"]),
    iface: layers.frame["frame.interface_id"] ?? "",
    hex: layers.frame_raw?.[0] ?? "",
  }));
}

/** Wireshark's short encapsulation names, for the link types a capture of ours uses. */
const ENCAP_TO_LINKTYPE: Readonly<Record<string, number>> = {
  ether: 1,
  rawip: 101,
  "linux-sll": 113,
  "linux-sll2": 276,
};

/** The interface fields capinfos reports, when it reports them. */
type CapinfosInterface = {
  -readonly [K in "linkType" | "snaplen" | "tsUnitsPerSecond" | "name"]?: CaptureInterface[K];
};

/** capinfos' description of each interface (fields it omits stay undefined). */
function capinfosInterfaces(path: string): CapinfosInterface[] {
  const text = execFileSync("capinfos", ["-M", path], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return text
    .split(/Interface #\d+ info:/)
    .slice(1)
    .map((block) => {
      const out: CapinfosInterface = {};
      const encap = /Encapsulation = .*\(\d+ - ([\w-]+)\)/.exec(block)?.[1];
      if (encap !== undefined) {
        const lt = ENCAP_TO_LINKTYPE[encap];
        if (lt === undefined) {
          throw new Error(`capinfos encapsulation ${encap} has no LINKTYPE mapping in this test`);
        }
        out.linkType = lt;
      }
      const snap = /Capture length = (\d+)/.exec(block)?.[1];
      if (snap !== undefined) {
        out.snaplen = Number(snap);
      }
      const ticks = /Time ticks per second = (\d+)/.exec(block)?.[1];
      if (ticks !== undefined) {
        out.tsUnitsPerSecond = Number(ticks);
      }
      const name = /Name = (.*)/.exec(block)?.[1];
      if (name !== undefined) {
        out.name = name.trim();
      }
      return out;
    });
}

/** The interfaces our reader ends with after reading the whole file. */
function ourInterfaces(path: string): readonly CaptureInterface[] {
  const reader = new CaptureReader();
  reader.push(readFileSync(path));
  while (reader.next() !== undefined) {
    // drain
  }
  reader.end();
  return reader.interfaces;
}

/** Packet counts from the README's table (`| file | bytes | sha256 | pkts | …`). */
function readmeCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  const readme = readFileSync(join(CORPUS_DIR, "README.md"), "utf8");
  for (const m of readme.matchAll(/^\| ([\w.-]+\.pcap(?:ng)?) \| \d+ \| [0-9a-f]+ \| (\d+) \|/gm)) {
    counts.set(m[1]!, Number(m[2]));
  }
  return counts;
}

describe.skipIf(!HAVE_CORPUS)("real captures", () => {
  it("the README's packet counts, for every capture in the folder", async () => {
    const counts = readmeCounts();
    expect([...counts.keys()].sort()).toEqual(FILES);
    for (const file of FILES) {
      let n = 0;
      for await (const p of openCaptureFile(join(CORPUS_DIR, file))) {
        expect(p.linkType).toBe(1); // the README: all captures are Ethernet
        n++;
      }
      expect(n, file).toBe(counts.get(file));
    }
  });

  describe.each(FILES)("%s", (file) => {
    const path = join(CORPUS_DIR, file);

    it("gives the same packets at any read size", async () => {
      const big = await ourRows(path);
      for (const hwm of [3, 61, 4096]) {
        expect(await ourRows(path, hwm)).toEqual(big);
      }
    });

    it.skipIf(!HAVE_TSHARK)("agrees with tshark packet by packet", async () => {
      const ours = (await ourRows(path)).rows;
      const theirs = tsharkRows(path);
      expect(ours.length).toBe(theirs.length);
      for (let i = 0; i < ours.length; i++) {
        expect(ours[i], `${file} frame ${i + 1}`).toEqual(theirs[i]);
      }
    });

    it.skipIf(!HAVE_CAPINFOS)("agrees with capinfos on every interface", () => {
      const theirs = capinfosInterfaces(path);
      const ours = ourInterfaces(path);
      expect(ours.length).toBe(theirs.length);
      theirs.forEach((iface, i) => {
        expect(ours[i]).toMatchObject(iface);
      });
    });
  });

  it("ndpi_kafka.pcapng: two interfaces, µs then ns, first and last timestamps", async () => {
    const path = join(CORPUS_DIR, "ndpi_kafka.pcapng");
    const seen: string[] = [];
    for await (const p of readCapture([readFileSync(path)])) {
      seen.push(`${p.interfaceId}:${p.tsSec}.${String(p.tsNsec).padStart(9, "0")}`);
    }
    expect(seen).toHaveLength(41);
    expect(seen[0]).toBe("0:1681844706.292198000");
    expect(seen.at(-1)).toBe("1:1703132769.960435569");
    expect(ourInterfaces(path).map((i) => [i.tsresol, i.name])).toEqual([
      [6, undefined],
      [9, "lo"],
    ]);
  });
});

describe.skipIf(!HAVE_TSHARK)("tshark reads what the writers write", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-pcap-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("pcapng: µs, ns and 2^-20 s interfaces, two sections, the second big-endian", async () => {
    const a = new PcapngWriter({
      interfaces: [
        { linkType: 1, tsresol: 6 },
        { linkType: 1, tsresol: 9, name: "eth9" },
        { linkType: 1, tsresol: 0x80 | 20 },
      ],
    });
    a.write({ interfaceId: 0, data: bytesOf(60, 1), tsSec: 1_700_000_000, tsNsec: 123_456_000 });
    a.write({
      interfaceId: 1,
      data: bytesOf(61, 2),
      tsSec: 1_700_000_001,
      tsNsec: 999_999_999,
      originalLength: 1500,
    });
    a.write({ interfaceId: 2, data: bytesOf(62, 3), tsSec: 1_700_000_002, tsNsec: 500_000_000 });
    const b = new PcapngWriter({ bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9 }] });
    b.write({ data: bytesOf(63, 4), tsSec: 1_700_000_003, tsNsec: 7 });
    const path = join(dir, "written.pcapng");
    writeFileSync(path, concatBytes([a.toBytes(), b.toBytes()]));
    expect(tsharkRows(path)).toEqual((await ourRows(path)).rows);
    expect(tsharkRows(path).map((r) => r.time)).toEqual([
      "1700000000.123456000",
      "1700000001.999999999",
      "1700000002.500000000",
      "1700000003.000000007",
    ]);
  });

  it("pcap: ns big-endian and µs little-endian", async () => {
    for (const [name, bytes] of [
      [
        "ns-be.pcap",
        writePcap({ linkType: 1, precision: "ns", bigEndian: true }, [
          { data: bytesOf(60), tsSec: 1_600_000_000, tsNsec: 1 },
        ]),
      ],
      [
        "us-le.pcap",
        writePcap({ linkType: 1, snaplen: 40 }, [
          { data: bytesOf(60), tsSec: 1_600_000_000, tsNsec: 999_999_000 },
        ]),
      ],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const theirs = tsharkRows(path);
      expect(theirs).toEqual((await ourRows(path)).rows);
      expect(theirs).toHaveLength(1);
    }
  });
});
