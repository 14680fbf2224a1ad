/**
 * @fileoverview The HPACK static table (RFC 7541 Appendix A): the 61 header fields every HPACK context
 * shares, addressed by indexes 1–61 ahead of the dynamic table (RFC 7541 §2.3.3). Names and values are
 * kept in two parallel arrays indexed by the HPACK index itself (slot 0 is unused, index 0 is an error),
 * so a lookup is two array reads with no object per entry.
 */

/** Number of static table entries; dynamic table index 1 is HPACK index STATIC_TABLE_LENGTH + 1. */
export const STATIC_TABLE_LENGTH = 61;

/** RFC 7541 Appendix A, in index order (index 1 first). */
const ENTRIES: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Static header names by HPACK index (slot 0 is an unused ""). */
export const STATIC_NAMES: readonly string[] = ["", ...ENTRIES.map((e) => e[0])];

/** Static header values by HPACK index (slot 0 is an unused ""). */
export const STATIC_VALUES: readonly string[] = ["", ...ENTRIES.map((e) => e[1])];
