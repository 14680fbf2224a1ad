/**
 * @fileoverview `toPorts` entries (PortRule / PortDenyRule) → port clauses and their L7 rule set
 * (upstream `l4.go`, `rule_validation.go`; cilium.md §1.7).
 *
 * - `port` is a string: an IANA service name (1–15 of `[A-Za-z0-9-]`, a letter, no leading, trailing or
 *   double `-`) is a named port, lower-cased and resolved on the destination; anything else is parsed
 *   like Go's `strconv.ParseUint(s, 0, 16)` (so `"010"` is 8), and `"0"` means every port.
 * - `protocol` is TCP, UDP, SCTP or ANY (the default); ANY expands to one clause per protocol, as
 *   upstream merges ANY into TCP, UDP and SCTP filters (it does not cover ICMP).
 * - `endPort` ≥ `port` makes an inclusive range; at most 40 ports per entry.
 * - TLS contexts, SNI `serverNames` and a custom `listener` are validated as upstream does, and like L7
 *   rules are not enforced by the packet path.
 */

import type { Span } from "../../diagnostics/source.js";
import { PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../../ir/entry.js";
import type { PortMatch } from "../../ir/entry.js";
import type { L7Rules } from "../../ir/l7.js";
import type { LMap, LNode } from "../../yaml/located.js";
import {
  S_BAD_PORT,
  S_BAD_PROTOCOL,
  S_DENY_L7,
  S_PORT_FIELD,
  S_TLS,
  S_TOO_MANY,
  W_EMPTY_PORT_RULE,
  asMap,
  asString,
  checkFields,
  field,
  keySpan,
  scalarText,
  seqField,
} from "./context.js";
import type { Ctx } from "./context.js";
import { parseL7Rules, warnL7 } from "./l7-rules.js";

/** Most ports one PortRule may list (upstream `maxPorts`). */
export const MAX_PORTS = 40;

/** Protocol names a PortProtocol accepts (upstream CRD enum) and the IP protocols each covers. */
const PROTOCOLS: ReadonlyMap<string, readonly number[]> = new Map([
  ["TCP", [PROTO_TCP]],
  ["UDP", [PROTO_UDP]],
  ["SCTP", [PROTO_SCTP]],
  ["ANY", [PROTO_TCP, PROTO_UDP, PROTO_SCTP]],
]);

/** One parsed `ports` item. */
export interface ParsedPort {
  /** Protocol name (TCP, UDP, SCTP, ANY). */
  readonly protocol: string;
  /** Port 0: every port. */
  readonly zero: boolean;
  /** endPort made a range. */
  readonly range: boolean;
  /** The clauses it lowers to. */
  readonly matches: readonly PortMatch[];
  readonly span: Span;
}

/** What one toPorts entry contributes. */
export interface PortRuleResult {
  readonly ports: readonly PortMatch[];
  readonly l7?: L7Rules;
  readonly span: Span;
}

/** Whether `s` is an IANA service name (upstream `iana.IsSvcName`). */
export function isSvcName(s: string): boolean {
  return (
    /^[A-Za-z0-9-]{1,15}$/.test(s) &&
    /[A-Za-z]/.test(s) &&
    !s.startsWith("-") &&
    !s.endsWith("-") &&
    !s.includes("--")
  );
}

/** Go's underscore rule for base-prefixed literals: `_` only between digits or after the prefix. */
function underscoreOk(s: string): boolean {
  let saw = "^";
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1]!)) {
    i = 2;
    saw = "0";
    hex = "xX".includes(s[1]!);
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9]/.test(c) || (hex && /[0-9a-fA-F]/.test(c))) {
      saw = "0";
    } else if (c === "_") {
      if (saw !== "0") {
        return false;
      }
      saw = "_";
    } else {
      if (saw === "_") {
        return false;
      }
      saw = "!";
    }
  }
  return saw !== "_";
}

/** `strconv.ParseUint(s, 0, 16)`: the value, or the reason it fails. */
export function parseGoPort(s: string): number | string {
  if (s.includes("_") && !underscoreOk(s)) {
    return "invalid syntax";
  }
  const t = s.replaceAll("_", "");
  const m = /^0[xX]([0-9a-fA-F]+)$|^0[bB]([01]+)$|^0[oO]?([0-7]+)$|^([1-9][0-9]*|0)$/.exec(t);
  if (m === null) {
    return "invalid syntax";
  }
  const v =
    m[1] !== undefined
      ? parseInt(m[1], 16)
      : m[2] !== undefined
        ? parseInt(m[2], 2)
        : m[3] !== undefined
          ? parseInt(m[3], 8)
          : Number(m[4]);
  return v > 65535 ? "value out of range" : v;
}

/** One `ports` item, or undefined (reported). */
export function parsePortProtocol(node: LNode, ctx: Ctx): ParsedPort | undefined {
  const map = asMap(node, "a port entry", ctx);
  if (map === undefined) {
    return undefined;
  }
  checkFields(map, ["port", "endPort", "protocol"], "port entry", ctx);
  const protoNode = field(map, "protocol");
  const protoText = protoNode === undefined ? "ANY" : asString(protoNode, "protocol", ctx);
  const protocol = protoText === "" ? "ANY" : protoText;
  const protocols = protocol === undefined ? undefined : PROTOCOLS.get(protocol);
  if (protocol !== undefined && protocols === undefined) {
    ctx.diags.error(
      S_BAD_PROTOCOL,
      `protocol must be TCP, UDP, SCTP or ANY, not '${protocol}'`,
      protoNode!.span,
      PROTOCOLS.has(protocol.toUpperCase()) ? `write ${protocol.toUpperCase()}` : "leave it out for ANY",
    );
  }
  const portNode = field(map, "port");
  if (portNode === undefined || (portNode.kind === "scalar" && portNode.value === "")) {
    ctx.diags.error(
      S_PORT_FIELD,
      "port must be specified",
      portNode?.span ?? map.span,
      'add port: "80" ("0" = every port)',
    );
    return undefined;
  }
  if (portNode.kind !== "scalar" || typeof portNode.value !== "string") {
    ctx.diags.error(
      S_PORT_FIELD,
      "port must be a string",
      portNode.span,
      `quote it: port: "${scalarText(portNode)}"`,
    );
    return undefined;
  }
  const text = portNode.value;
  let port: number | undefined;
  let named: string | undefined;
  if (isSvcName(text)) {
    named = text.toLowerCase();
  } else {
    const p = parseGoPort(text);
    if (typeof p === "string") {
      ctx.diags.error(
        S_BAD_PORT,
        `unable to parse port "${text}": ${p}`,
        portNode.span,
        "write a number 0-65535 or a port name (1-15 letters, digits and single hyphens)",
      );
      return undefined;
    }
    port = p;
  }
  const end = parseEndPort(map, port, named, ctx);
  if (end === null || protocol === undefined || protocols === undefined) {
    return undefined;
  }
  const matches: PortMatch[] = protocols.map((proto) =>
    named !== undefined
      ? { protocol: proto, ranges: [], named, span: node.span }
      : port === 0
        ? { protocol: proto, ranges: [], span: node.span }
        : { protocol: proto, ranges: [[port!, end ?? port!]], span: node.span },
  );
  return { protocol, zero: port === 0, range: end !== undefined && end > port!, matches, span: node.span };
}

/** endPort: undefined when absent (or 0), null when invalid (reported). */
function parseEndPort(
  map: LMap,
  port: number | undefined,
  named: string | undefined,
  ctx: Ctx,
): number | undefined | null {
  const node = field(map, "endPort");
  if (node === undefined || (node.kind === "scalar" && node.value === 0)) {
    return undefined;
  }
  const v = node.kind === "scalar" ? node.value : undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    ctx.diags.error(S_BAD_PORT, "endPort must be an integer", node.span, "write endPort: 8080 (unquoted)");
    return null;
  }
  if (named !== undefined || port === 0) {
    ctx.diags.error(
      S_BAD_PORT,
      named !== undefined ? "endPort cannot be used with a named port" : "endPort cannot be used with port 0",
      node.span,
      "use a numeric first port",
    );
    return null;
  }
  if (v < port! || v > 65535) {
    ctx.diags.error(
      S_BAD_PORT,
      `endPort must be from ${port!} to 65535`,
      node.span,
      `the range starts at port ${port!}`,
    );
    return null;
  }
  return v;
}

/** TLS, SNI and listener checks of an allow PortRule (upstream `PortRule.sanitize`). */
function checkTls(map: LMap, direction: "ingress" | "egress", hasL7: boolean, ctx: Ctx): void {
  const names = seqField(map, "serverNames", ctx) ?? [];
  if (names.length > 0 && hasL7 && field(map, "terminatingTLS") === undefined) {
    ctx.diags.error(
      S_TLS,
      "serverNames are not allowed with L7 rules without TLS termination",
      keySpan(map, "serverNames"),
      "add terminatingTLS, or drop the L7 rules",
    );
  }
  for (const n of names) {
    if (asString(n, "a server name", ctx) === "") {
      ctx.diags.error(S_TLS, "empty server name is not allowed", n.span, "remove it");
    }
  }
  const listener = field(map, "listener");
  if (listener !== undefined) {
    if (direction === "ingress") {
      ctx.diags.error(
        S_TLS,
        "a listener is not allowed on ingress",
        keySpan(map, "listener"),
        "move it to an egress rule",
      );
    } else if (hasL7) {
      ctx.diags.error(
        S_TLS,
        "a listener is not allowed with L7 rules",
        keySpan(map, "listener"),
        "use either the listener or rules",
      );
    }
  }
  for (const k of ["serverNames", "listener", "terminatingTLS", "originatingTLS"]) {
    if (field(map, k) !== undefined) {
      warnL7(keySpan(map, k), k, ctx);
    }
  }
}

/** One toPorts entry, or undefined when malformed (reported). */
export function parsePortRule(
  node: LNode,
  direction: "ingress" | "egress",
  deny: boolean,
  defaultDeny: boolean,
  ctx: Ctx,
): PortRuleResult | undefined {
  const map = asMap(node, "a toPorts entry", ctx);
  if (map === undefined) {
    return undefined;
  }
  if (deny && map.entries.has("rules")) {
    ctx.diags.error(
      S_DENY_L7,
      "deny rules cannot have L7 rules",
      keySpan(map, "rules"),
      "deny the port at L4, or allow only the requests you want",
    );
  }
  const allowed = deny
    ? ["ports", "rules"]
    : ["ports", "rules", "terminatingTLS", "originatingTLS", "serverNames", "listener"];
  checkFields(map, allowed, deny ? "deny toPorts entry" : "toPorts entry", ctx);
  const items = seqField(map, "ports", ctx) ?? [];
  if (items.length > MAX_PORTS) {
    ctx.diags.error(
      S_TOO_MANY,
      `too many ports (${items.length}), the max is ${MAX_PORTS}`,
      field(map, "ports")!.span,
      "split them over several toPorts entries",
    );
    return undefined;
  }
  const parsed: ParsedPort[] = [];
  let ok = true;
  for (const item of items) {
    const p = parsePortProtocol(item, ctx);
    if (p === undefined) {
      ok = false;
    } else {
      parsed.push(p);
    }
  }
  const rulesNode = deny ? undefined : field(map, "rules");
  const l7 =
    rulesNode === undefined ? undefined : parseL7Rules(rulesNode, parsed, direction, defaultDeny, ctx);
  if (!deny) {
    // `rules: {}` names no L7 rule (upstream `L7Rules.IsEmpty`); an invalid set (null) does.
    checkTls(map, direction, l7 !== undefined, ctx);
  }
  if (!ok || l7 === null) {
    return undefined;
  }
  if (items.length === 0 && rulesNode === undefined) {
    ctx.diags.warn(
      W_EMPTY_PORT_RULE,
      "empty-port-rule",
      "this toPorts entry lists no ports and allows nothing",
      node.span,
      'add ports: [{port: "0"}] for every port, or remove the entry',
    );
  }
  return { ports: parsed.flatMap((p) => p.matches), ...(l7 !== undefined ? { l7 } : {}), span: node.span };
}
