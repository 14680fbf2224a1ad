/**
 * @fileoverview The async helpers: readCapture over sync and async chunk sources, openCaptureFile
 * (chunk sizes, truncated files, missing files, closing the file on early exit), and captureFromStdin
 * in a child process.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import {
  CaptureError,
  openCaptureFile,
  readCapture,
  writePcap,
  writePcapng,
  type CapturedPacket,
} from "../../runtime/pcap/index.js";
import { bytesOf } from "./helpers.js";

const PACKETS = Array.from({ length: 50 }, (_, i) => ({
  data: bytesOf(100 + i, i),
  tsSec: 1000 + i,
  tsNsec: i * 1000,
}));

/** Collects `tsSec` of every packet (data is only valid during the iteration step). */
async function seconds(gen: AsyncIterable<CapturedPacket>): Promise<number[]> {
  const out: number[] = [];
  for await (const p of gen) {
    out.push(p.tsSec);
  }
  return out;
}

describe("readCapture", () => {
  it("reads from a sync iterable and from an async generator of small chunks", async () => {
    const bytes = writePcapng({ interfaces: [{ linkType: 1 }] }, PACKETS);
    expect(await seconds(readCapture([bytes]))).toEqual(PACKETS.map((p) => p.tsSec));
    async function* dribble(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 13) {
        await Promise.resolve();
        yield bytes.subarray(i, i + 13);
      }
    }
    expect(await seconds(readCapture(dribble()))).toEqual(PACKETS.map((p) => p.tsSec));
  });

  it("throws CaptureError after the last complete packet of a truncated stream", async () => {
    const bytes = writePcap({ linkType: 1 }, PACKETS);
    const got: number[] = [];
    const err = await (async () => {
      try {
        for await (const p of readCapture([bytes.subarray(0, bytes.length - 10)])) {
          got.push(p.tsSec);
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).code).toBe("truncated");
    expect(got).toHaveLength(49);
  });

  it("passes reader options through", async () => {
    const bytes = writePcap({ linkType: 1 }, PACKETS);
    await expect(seconds(readCapture([bytes], { maxPacketBytes: 120 }))).rejects.toThrow(
      /over the 120-byte limit/,
    );
  });
});

describe("openCaptureFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-pcap-stream-"));
  const pcapPath = join(dir, "a.pcap");
  writeFileSync(pcapPath, writePcap({ linkType: 1, precision: "ns" }, PACKETS));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads a file at any chunk size", async () => {
    for (const highWaterMark of [1, 5, 64, 1 << 18]) {
      expect(await seconds(openCaptureFile(pcapPath, { highWaterMark }))).toEqual(
        PACKETS.map((p) => p.tsSec),
      );
    }
  });

  it("closes the file when the consumer stops early", async () => {
    const fds = (): number => readdirSync("/proc/self/fd").length;
    const before = fds();
    for (let i = 0; i < 20; i++) {
      for await (const p of openCaptureFile(pcapPath, { highWaterMark: 64 })) {
        if (p.tsSec >= 1002) {
          break;
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(fds()).toBeLessThanOrEqual(before + 1);
  });

  it("a missing file rejects with the file system's error", async () => {
    await expect(seconds(openCaptureFile(join(dir, "missing.pcap")))).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});

describe("captureFromStdin", () => {
  const script = fileURLToPath(new URL("./fixtures/stdin-summary.ts", import.meta.url));
  const run = (input: Uint8Array): unknown => {
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { input, encoding: "utf8" });
    return JSON.parse(r.stdout) as unknown;
  };

  it("reads a capture piped to standard input", () => {
    const bytes = writePcapng({ interfaces: [{ linkType: 1, tsresol: 9 }] }, PACKETS);
    expect(run(bytes)).toEqual({ count: 50, last: "1049.000049000" });
  });

  it("reports a truncated pipe", () => {
    const bytes = writePcap({ linkType: 1 }, PACKETS);
    expect(run(bytes.subarray(0, 300))).toEqual({ count: 2, error: "truncated" });
  });
});
