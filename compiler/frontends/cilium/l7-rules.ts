/**
 * @fileoverview `toPorts[].rules` → an L7 rule set (compiler/ir/l7.ts), validated as upstream does
 * (`rule_validation.go` `L7Rules.sanitize`, `http.go`, `kafka/kafka.go`, `fqdn.go`; cilium.md §1.3,
 * §1.9, §1.10).
 *
 * - One L7 type per toPorts entry (`http`, `kafka`, `dns`, or `l7proto` + `l7`).
 * - L7 rules need explicit, non-zero ports on TCP; DNS rules may also use UDP and ANY, are egress only
 *   and take no port ranges. Host policies take no L7 rules on ingress and only DNS on egress.
 * - The ≤ 1.19 schema has `kafka`, `l7proto` and `l7`; under `ciliumVersion: "1.20"` they are reported.
 * - HTTP `path`, `method` and `host` must be valid RE2; headers are `"Name"` (present) or `"Name: value"`.
 *
 * The L7 datapath (runtime/l7/datapath) inspects cleartext requests against these rules. TLS
 * interception (`terminatingTLS`, `originatingTLS`, `serverNames`) and Envoy `listener`s are not
 * modelled: the first such field in a policy gets an `l7-not-enforced` warning.
 */

import type { Span } from "../../diagnostics/source.js";
import { KAFKA_API_KEYS, KAFKA_ROLE_KEYS } from "../../ir/l7.js";
import type { DnsRule, HttpHeaderMatch, HttpRule, KafkaRule, L7Rules } from "../../ir/l7.js";
import type { LMap, LNode } from "../../yaml/located.js";
import {
  S_BAD_HEADER,
  S_BAD_KAFKA,
  S_BAD_REGEX,
  S_HOST_L7,
  S_L7_PLACEMENT,
  S_REMOVED_IN_VERSION,
  W_L7,
  asMap,
  asString,
  checkFields,
  field,
  keySpan,
  seqField,
  stringField,
} from "./context.js";
import type { Ctx } from "./context.js";
import { parseFqdnSelector } from "./fqdn.js";
import type { ParsedPort } from "./ports.js";
import { re2Error } from "./re2.js";

/** Longest Kafka topic (upstream `MaxTopicLen`). */
export const MAX_KAFKA_TOPIC = 255;

/** Warn once per policy that a TLS or listener field (`field`) is not modelled. */
export function warnL7(span: Span, field: string, ctx: Ctx): void {
  if (ctx.l7Warned) {
    return;
  }
  ctx.l7Warned = true;
  ctx.diags.warn(
    W_L7,
    "l7-not-enforced",
    `\`${field}\` is not modelled: sluice neither terminates TLS nor runs Envoy listeners, so the port is allowed at L4 and its L7 rules see only cleartext`,
    span,
    "expect encrypted connections on this port to be REDIRECTED without request inspection",
  );
}

/** Report where L7 rules cannot apply; true when they can. */
function checkPlacement(
  map: LMap,
  type: string,
  ports: readonly ParsedPort[],
  direction: "ingress" | "egress",
  ctx: Ctx,
): boolean {
  const at = keySpan(map, type);
  const fail = (message: string, help: string): boolean => {
    ctx.diags.error(S_L7_PLACEMENT, message, at, help);
    return false;
  };
  if (ctx.hostPolicy && (direction === "ingress" || type !== "dns")) {
    ctx.diags.error(
      S_HOST_L7,
      `host policies do not support ${type} rules on ${direction}`,
      at,
      "move the L7 rules to a policy with an endpointSelector",
    );
    return false;
  }
  if (ports.length === 0) {
    return fail("L7 rules need explicit ports", 'add ports: [{port: "80", protocol: TCP}]');
  }
  if (ports.some((p) => p.zero)) {
    return fail("L7 rules can not be used when a port is 0", "name the ports the rules apply to");
  }
  if (type === "dns") {
    if (direction === "ingress") {
      return fail(
        "DNS rules are not allowed on ingress",
        "move them to an egress rule towards the DNS server",
      );
    }
    const bad = ports.find((p) => p.protocol === "SCTP");
    if (bad !== undefined) {
      return fail("DNS rules apply to TCP, UDP or ANY ports, not SCTP", "use protocol: ANY");
    }
    if (ports.some((p) => p.range)) {
      return fail("DNS rules do not support port ranges", 'use port: "53" without endPort');
    }
    return true;
  }
  const bad = ports.find((p) => p.protocol !== "TCP");
  if (bad !== undefined) {
    return fail(
      `L7 rules can only apply to TCP (not ${bad.protocol}) except for DNS rules`,
      "set protocol: TCP on every port of this entry",
    );
  }
  return true;
}

/** A regex field of an HTTP rule (reported when RE2 rejects it). */
function regexField(map: LMap, key: string, ctx: Ctx): string | undefined | null {
  const v = stringField(map, key, ctx);
  if (v === undefined || v === "") {
    return undefined;
  }
  const err = re2Error(v);
  if (err !== undefined) {
    ctx.diags.error(
      S_BAD_REGEX,
      `${key} '${v}' is not a valid RE2 regular expression: ${err}`,
      field(map, key)!.span,
      "RE2 has no backreferences or lookaround; escape literal metacharacters",
    );
    return null;
  }
  return v;
}

/** What a header match does on mismatch. */
type MismatchAction = NonNullable<HttpHeaderMatch["mismatch"]>;

/** One `headerMatches` item. */
function headerMatch(node: LNode, ctx: Ctx): HttpHeaderMatch | undefined {
  const m = asMap(node, "a header match", ctx);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["name", "value", "secret", "mismatch"], "header match", ctx);
  const name = stringField(m, "name", ctx) ?? "";
  if (name === "") {
    ctx.diags.error(S_BAD_HEADER, "header name missing", m.span, "add name: X-My-Header");
    return undefined;
  }
  const mismatch = stringField(m, "mismatch", ctx);
  if (mismatch !== undefined && mismatch !== "" && !["LOG", "ADD", "DELETE", "REPLACE"].includes(mismatch)) {
    ctx.diags.error(
      S_BAD_HEADER,
      `invalid header action: ${mismatch}`,
      field(m, "mismatch")!.span,
      "use LOG, ADD, DELETE or REPLACE",
    );
    return undefined;
  }
  const secretNode = field(m, "secret");
  let secret: HttpHeaderMatch["secret"];
  if (secretNode !== undefined) {
    const s = asMap(secretNode, "secret", ctx);
    if (s === undefined) {
      return undefined;
    }
    checkFields(s, ["namespace", "name"], "secret", ctx);
    const sn = stringField(s, "name", ctx) ?? "";
    if (sn === "") {
      ctx.diags.error(S_BAD_HEADER, "secret name missing", s.span, "add name: <secret name>");
      return undefined;
    }
    const ns = stringField(s, "namespace", ctx);
    secret = { name: sn, ...(ns !== undefined && ns !== "" ? { namespace: ns } : {}) };
  }
  const value = stringField(m, "value", ctx);
  return {
    name,
    ...(value !== undefined && value !== "" ? { value } : {}),
    ...(secret !== undefined ? { secret } : {}),
    ...(mismatch !== undefined && mismatch !== "" ? { mismatch: mismatch as MismatchAction } : {}),
  };
}

/** One HTTP rule, or undefined (reported). */
function httpRule(node: LNode, ctx: Ctx): HttpRule | undefined {
  const m = asMap(node, "an HTTP rule", ctx);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["path", "method", "host", "headers", "headerMatches"], "HTTP rule", ctx);
  const path = regexField(m, "path", ctx);
  const method = regexField(m, "method", ctx);
  const host = regexField(m, "host", ctx);
  const headers: HttpHeaderMatch[] = [];
  let ok = path !== null && method !== null && host !== null;
  for (const h of seqField(m, "headers", ctx) ?? []) {
    const text = asString(h, "a header", ctx);
    if (text === undefined) {
      ok = false;
      continue;
    }
    // "Name: value" = exact value (split at the first space, ':' trimmed); "Name" = presence.
    const sp = text.indexOf(" ");
    headers.push(
      sp < 0 ? { name: text } : { name: text.slice(0, sp).replace(/:+$/, ""), value: text.slice(sp + 1) },
    );
  }
  for (const h of seqField(m, "headerMatches", ctx) ?? []) {
    const hm = headerMatch(h, ctx);
    if (hm === undefined) {
      ok = false;
    } else {
      headers.push(hm);
    }
  }
  if (!ok) {
    return undefined;
  }
  return {
    ...(typeof method === "string" ? { method } : {}),
    ...(typeof path === "string" ? { path } : {}),
    ...(typeof host === "string" ? { host } : {}),
    headers,
    span: node.span,
  };
}

/** What is wrong with a Kafka rule's fields: [field, message, help], or undefined (kafka.go `Sanitize`). */
function kafkaProblem(
  role: string,
  lowerRole: string,
  apiKey: string,
  key: number,
  version: string,
  topic: string,
): [string, string, string] | undefined {
  if (role !== "" && apiKey !== "") {
    return ["apiKey", `cannot set both role "${role}" and apiKey "${apiKey}" together`, "keep one of them"];
  }
  if (role !== "" && lowerRole !== "produce" && lowerRole !== "consume") {
    return ["role", `invalid Kafka role "${role}"`, "use produce or consume"];
  }
  if (apiKey !== "" && key < 0) {
    return ["apiKey", `invalid Kafka apiKey "${apiKey}"`, `use one of ${KAFKA_API_KEYS.join(", ")}`];
  }
  if (version !== "" && (!/^\d+$/.test(version) || Number(version) > 32767)) {
    return ["apiVersion", `invalid Kafka apiVersion "${version}"`, "write a decimal number 0-32767"];
  }
  if (topic.length > MAX_KAFKA_TOPIC) {
    return ["topic", `Kafka topic exceeds maximum length of ${MAX_KAFKA_TOPIC}`, "shorten the topic"];
  }
  if (topic !== "" && !/^[a-zA-Z0-9._-]+$/.test(topic)) {
    return ["topic", `invalid Kafka topic name "${topic}"`, "topics use letters, digits, '.', '_' and '-'"];
  }
  return undefined;
}

/** One Kafka rule, or undefined (reported). */
function kafkaRule(node: LNode, ctx: Ctx): KafkaRule | undefined {
  const m = asMap(node, "a Kafka rule", ctx);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["role", "apiKey", "apiVersion", "clientID", "topic"], "Kafka rule", ctx);
  const role = stringField(m, "role", ctx) ?? "";
  const apiKey = stringField(m, "apiKey", ctx) ?? "";
  const version = stringField(m, "apiVersion", ctx) ?? "";
  const clientId = stringField(m, "clientID", ctx) ?? "";
  const topic = stringField(m, "topic", ctx) ?? "";
  const r = role.toLowerCase();
  const key = KAFKA_API_KEYS.indexOf(apiKey.toLowerCase());
  const problem = kafkaProblem(role, r, apiKey, key, version, topic);
  if (problem !== undefined) {
    ctx.diags.error(S_BAD_KAFKA, problem[1], field(m, problem[0])!.span, problem[2]);
    return undefined;
  }
  const apiKeys = r === "produce" || r === "consume" ? KAFKA_ROLE_KEYS[r] : key >= 0 ? [key] : [];
  return {
    ...(r === "produce" || r === "consume" ? { role: r } : {}),
    apiKeys,
    ...(version !== "" ? { apiVersion: Number(version) } : {}),
    ...(clientId !== "" ? { clientId } : {}),
    ...(topic !== "" ? { topic } : {}),
    span: node.span,
  };
}

/** Parse a list of rules with `one`; null when any failed. */
function list<T>(map: LMap, key: string, one: (n: LNode) => T | undefined, ctx: Ctx): T[] | null {
  const out: T[] = [];
  let ok = true;
  for (const n of seqField(map, key, ctx) ?? []) {
    const r = one(n);
    if (r === undefined) {
      ok = false;
    } else {
      out.push(r);
    }
  }
  return ok ? out : null;
}

/** Generic `l7` rules: mappings of strings. */
function genericRule(node: LNode, ctx: Ctx): Record<string, string> | undefined {
  const m = asMap(node, "an l7 rule", ctx);
  if (m === undefined) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, { value }] of m.entries) {
    const v = asString(value, `l7 rule value '${k}'`, ctx);
    if (v === undefined) {
      return undefined;
    }
    out[k] = v;
  }
  return out;
}

/**
 * The rule set of a `rules` node: undefined when it names no rules, null when invalid (reported).
 * `ports` are the entry's parsed ports; `defaultDeny` is the direction's default-deny setting.
 */
export function parseL7Rules(
  node: LNode,
  ports: readonly ParsedPort[],
  direction: "ingress" | "egress",
  defaultDeny: boolean,
  ctx: Ctx,
): L7Rules | undefined | null {
  const map = asMap(node, "rules", ctx);
  if (map === undefined) {
    return null;
  }
  const legacy = ["kafka", "l7proto", "l7"];
  checkFields(map, ["http", "dns", ...legacy], "rules", ctx);
  const removed = ctx.version === "1.20" ? legacy.filter((k) => map.entries.has(k)) : [];
  for (const k of removed) {
    ctx.diags.error(
      S_REMOVED_IN_VERSION,
      `'${k}' rules were removed in Cilium 1.20 (Kafka and proxylib parsers are gone)`,
      keySpan(map, k),
      "compile with ciliumVersion 1.19 for older clusters, or allow the port at L4",
    );
  }
  if (removed.length > 0) {
    return null;
  }
  if (map.entries.has("l7") && field(map, "l7proto") === undefined) {
    ctx.diags.error(
      S_L7_PLACEMENT,
      "'l7' may only be specified when 'l7proto' is also specified",
      keySpan(map, "l7"),
      "add l7proto: <parser name>",
    );
    return null;
  }
  const types = ["http", "kafka", "dns", "l7proto"].filter((k) => map.entries.has(k));
  if (types.length > 1) {
    ctx.diags.error(
      S_L7_PLACEMENT,
      "multiple L7 protocol rule types specified in single rule",
      keySpan(map, types[1]!),
      "use one toPorts entry per L7 protocol",
      [{ message: `${types[0]!} rules are here`, span: keySpan(map, types[0]!) }],
    );
    return null;
  }
  const type = types[0];
  if (type === undefined) {
    return undefined;
  }
  if (!checkPlacement(map, type, ports, direction, ctx)) {
    return null;
  }
  const base = { implicitWildcard: !defaultDeny, span: node.span };
  switch (type) {
    case "http": {
      const rules = list(map, "http", (n) => httpRule(n, ctx), ctx);
      return rules === null ? null : { kind: "http", rules, ...base };
    }
    case "kafka": {
      const rules = list(map, "kafka", (n) => kafkaRule(n, ctx), ctx);
      return rules === null ? null : { kind: "kafka", rules, ...base };
    }
    case "dns": {
      const rules = list<DnsRule>(map, "dns", (n) => parseFqdnSelector(n, "DNS rule", ctx), ctx);
      return rules === null ? null : { kind: "dns", rules, ...base };
    }
    default: {
      const proto = stringField(map, "l7proto", ctx);
      const rules = list(map, "l7", (n) => genericRule(n, ctx), ctx);
      return proto === undefined || rules === null ? null : { kind: "generic", proto, rules, ...base };
    }
  }
}
