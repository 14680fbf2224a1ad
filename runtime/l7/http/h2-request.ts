/**
 * @fileoverview Turning one decoded HTTP/2 request header block into an HttpRequest (RFC 9113 §8.3):
 * pseudo-header fields first and once each, lower-case names, no connection-specific fields (§8.2.2),
 * `:method`, `:scheme` and `:path` present (CONNECT: `:authority` and neither `:scheme` nor `:path`,
 * §8.5; extended CONNECT with `:protocol` (RFC 8441) needs all of them). A block that breaks these rules
 * is a malformed request: `finish` returns undefined and the stream decoder denies the stream without
 * asking the policy (what a server does with it, a stream error, never reaches the application).
 * Field values with NUL, CR or LF, or with leading or trailing whitespace, are malformed too (§8.2.1):
 * a proxy that turned them into HTTP/1.1 could otherwise be made to split a request.
 */

import type { HttpRequest } from "../match.js";

/** Collects the fields of one request header block as the HPACK decoder emits them. */
export class H2RequestBuilder {
  private method: string | undefined;
  private path: string | undefined;
  private scheme: string | undefined;
  private authority: string | undefined;
  private protocol: string | undefined;
  private host: string | undefined;
  private headers: (readonly [string, string])[] = [];
  private regular = false;
  private bad = false;

  /** The HPACK callback: bound once so the decoder passes it without allocating. */
  readonly onHeader = (name: string, value: string): void => {
    if (this.bad) {
      return;
    }
    if (!validValue(value)) {
      this.bad = true;
      return;
    }
    if (name.charCodeAt(0) === 0x3a) {
      if (this.regular) {
        this.bad = true; // pseudo-header after a regular field (§8.3)
        return;
      }
      switch (name) {
        case ":method":
          this.bad = this.method !== undefined;
          this.method = value;
          break;
        case ":path":
          this.bad = this.path !== undefined;
          this.path = value;
          break;
        case ":scheme":
          this.bad = this.scheme !== undefined;
          this.scheme = value;
          break;
        case ":authority":
          this.bad = this.authority !== undefined;
          this.authority = value;
          break;
        case ":protocol":
          this.bad = this.protocol !== undefined;
          this.protocol = value;
          break;
        default:
          this.bad = true; // unknown or response pseudo-header (§8.3)
      }
      return;
    }
    this.regular = true;
    if (!validName(name) || connectionSpecific(name, value)) {
      this.bad = true;
      return;
    }
    if (name === "host" && this.host === undefined) {
      this.host = value;
    }
    this.headers.push([name, value]);
  };

  /** Start a new block. */
  reset(): void {
    this.method = undefined;
    this.path = undefined;
    this.scheme = undefined;
    this.authority = undefined;
    this.protocol = undefined;
    this.host = undefined;
    this.headers = [];
    this.regular = false;
    this.bad = false;
  }

  /** The request of stream `streamId`, or undefined when the block is a malformed request. */
  finish(streamId: number): HttpRequest | undefined {
    const method = this.method;
    if (this.bad || method === undefined || method === "") {
      return undefined;
    }
    let path = this.path;
    if (method === "CONNECT" && this.protocol === undefined) {
      if (this.authority === undefined || path !== undefined || this.scheme !== undefined) {
        return undefined;
      }
      path = "";
    } else if (path === undefined || path === "" || this.scheme === undefined) {
      return undefined;
    }
    return {
      kind: "http",
      method,
      path,
      host: this.authority ?? this.host ?? "",
      headers: this.headers,
      protocol: "HTTP/2",
      streamId,
    };
  }
}

/** Field names must be lower case tokens (RFC 9113 §8.2.1); HPACK hands them over as latin1. */
function validName(name: string): boolean {
  if (name.length === 0) {
    return false;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || (c >= 0x41 && c <= 0x5a) || c === 0x3a) {
      return false;
    }
  }
  return true;
}

/** Values must not hold NUL, CR or LF, nor start or end with SP or HTAB (RFC 9113 §8.2.1). */
function validValue(value: string): boolean {
  const n = value.length;
  if (n === 0) {
    return true;
  }
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 32 || first === 9 || last === 32 || last === 9) {
    return false;
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13) {
      return false;
    }
  }
  return true;
}

/** Connection-specific fields are malformed in HTTP/2, `te` except "trailers" too (RFC 9113 §8.2.2). */
function connectionSpecific(name: string, value: string): boolean {
  switch (name) {
    case "connection":
    case "proxy-connection":
    case "keep-alive":
    case "transfer-encoding":
    case "upgrade":
      return true;
    case "te":
      return value !== "trailers";
    default:
      return false;
  }
}
