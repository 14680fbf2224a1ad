/**
 * @fileoverview Encodes bundle metadata (runtime/metadata.ts) as zero-padded UTF-8 JSON.
 */

import type { BundleMetadata } from "../../runtime/metadata.js";

/** Encode `m` for the METADATA section. */
export function encodeMetadata(m: BundleMetadata): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(m));
  const out = new Uint8Array((bytes.length + 3) & ~3);
  out.set(bytes);
  return out;
}
