// Reading the corpus captures in tests, with the project's pcap reader.
import { readFileSync } from "node:fs";
import { CaptureReader } from "../../runtime/pcap/index.js";

/** Every packet of capture file `path` (copied out of the reader's buffer), with its link type and time. */
export function readCaptureFile(path: string): { data: Uint8Array; linkType: number; timestampNs: number }[] {
  const reader = new CaptureReader();
  reader.push(new Uint8Array(readFileSync(path)));
  const out: { data: Uint8Array; linkType: number; timestampNs: number }[] = [];
  for (let p = reader.next(); p !== undefined; p = reader.next()) {
    out.push({ data: p.data.slice(), linkType: p.linkType, timestampNs: p.timestampNs });
  }
  reader.end();
  return out;
}
