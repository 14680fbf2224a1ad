/**
 * @fileoverview Decoding a pcapng Interface Description Block: link type, snaplen, and the options the
 * reader uses (if_name, if_tsresol, if_tsoffset). Other options are skipped by their length.
 *
 *     body offset  size  field
 *     0            2     link type
 *     2            2     reserved
 *     4            4     snaplen (0 = none)
 *     8            ...   options: code u16, length u16, value padded to 4 bytes; code 0 ends the list
 */

import { CaptureError } from "./capture-error.js";
import {
  DEFAULT_TSRESOL,
  OPT_ENDOFOPT,
  OPT_IF_NAME,
  OPT_IF_TSOFFSET,
  OPT_IF_TSRESOL,
  pad4,
} from "./format.js";
import type { Iface } from "./packet.js";
import { TimestampResolution } from "./timestamp.js";

/** Decoder for if_name; malformed UTF-8 becomes U+FFFD rather than an error. */
const utf8 = new TextDecoder("utf-8");

/**
 * Decodes the IDB at `p` (block start, block length `len` already checked to be >= 20) in `buf`/`view`.
 * `blockOffset` is the block's stream offset, for error offsets. Throws CaptureError `bad-option`.
 */
export function decodeInterfaceBlock(
  buf: Uint8Array,
  view: DataView,
  p: number,
  len: number,
  le: boolean,
  blockOffset: number,
): Iface {
  let tsresol = DEFAULT_TSRESOL;
  let tsOffsetSec = 0;
  let name: string | undefined;
  const end = p + len - 4;
  for (let o = p + 16; o + 4 <= end;) {
    const code = view.getUint16(o, le);
    const size = view.getUint16(o + 2, le);
    if (code === OPT_ENDOFOPT) {
      break;
    }
    const at = blockOffset + (o - p);
    if (o + 4 + size > end) {
      throw badOption(
        at,
        `option ${code} of length ${size} runs past the end of its interface description block`,
      );
    }
    switch (code) {
      case OPT_IF_TSRESOL:
        if (size !== 1) {
          throw badOption(at, `if_tsresol option has length ${size}, expected 1`);
        }
        tsresol = buf[o + 4]!;
        break;
      case OPT_IF_TSOFFSET:
        if (size !== 8) {
          throw badOption(at, `if_tsoffset option has length ${size}, expected 8`);
        }
        tsOffsetSec = Number(view.getBigInt64(o + 4, le));
        break;
      case OPT_IF_NAME:
        name = utf8.decode(buf.subarray(o + 4, o + 4 + size));
        break;
      default:
        break;
    }
    o += 4 + pad4(size);
  }
  const res = new TimestampResolution(tsresol);
  return {
    linkType: view.getUint16(p + 8, le),
    snaplen: view.getUint32(p + 12, le),
    tsUnitsPerSecond: res.unitsPerSecond,
    tsresol,
    tsOffsetSec,
    fcsBytes: undefined,
    name,
    res,
  };
}

/** A `bad-option` CaptureError in the reader's message style. */
function badOption(offset: number, detail: string): CaptureError {
  return new CaptureError("bad-option", offset, `pcapng: ${detail} (at offset ${offset})`);
}
