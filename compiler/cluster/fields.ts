/**
 * @fileoverview Typed readers for the snapshot fields cluster/load.ts needs: label maps, container and
 * service ports, protocols, IP lists. Each reader reports what it cannot use (codes in load.ts's table)
 * and returns what it can, so one malformed entry never hides the rest of the object.
 */

import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/source.js";
import { parseIp } from "../net/cidr.js";
import { get, getString } from "../yaml/located.js";
import type { LNode } from "../yaml/located.js";
import type { ContainerPort, ServicePort } from "./model.js";

/** A field has the wrong type (ignored). */
export const S_FIELD_TYPE = "S4003";
/** A label value is not a string (its text is used). */
export const S_LABEL_NOT_STRING = "S4004";
/** A port entry is invalid (skipped). */
export const S_BAD_PORT = "S4005";
/** A protocol is not TCP, UDP or SCTP (entry skipped). */
export const S_BAD_PROTOCOL = "S4006";
/** An IP address does not parse (dropped). */
export const S_BAD_IP = "S4007";

/** IP protocol numbers of the protocols Kubernetes ports may name. */
export const PROTOCOL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["TCP", 6],
  ["UDP", 17],
  ["SCTP", 132],
]);

/** The IP protocol number of a Kubernetes protocol name (case-sensitive, as the API server checks). */
export function protocolNumber(name: string): number | undefined {
  return PROTOCOL_NUMBERS.get(name);
}

/** Whether a node is absent or an explicit null (`key:` with no value). */
export function isNullish(node: LNode | undefined): node is undefined {
  return node === undefined || (node.kind === "scalar" && node.value === null);
}

/** The source text of a node (a scalar's token as written). */
function sourceText(span: Span): string {
  return span.file.text.slice(span.start, span.end);
}

/** Report a field of the wrong type. */
export function reportFieldType(diags: Diagnostics, what: string, expected: string, node: LNode): void {
  diags.warn(S_FIELD_TYPE, "snapshot-field-type", `${what} should be ${expected}; ignored`, node.span);
}

/** A map of strings (labels, selectors); non-string scalars are read as written, with a warning. */
export function readStringMap(
  node: LNode | undefined,
  what: string,
  diags: Diagnostics,
): Map<string, string> {
  const out = new Map<string, string>();
  if (isNullish(node)) {
    return out;
  }
  if (node.kind !== "map") {
    reportFieldType(diags, what, "a mapping of strings", node);
    return out;
  }
  for (const [k, { value }] of node.entries) {
    if (value.kind !== "scalar") {
      reportFieldType(diags, `${what}.${k}`, "a string", value);
      continue;
    }
    if (value.value === null) {
      out.set(k, "");
    } else if (typeof value.value === "string") {
      out.set(k, value.value);
    } else {
      const text = sourceText(value.span);
      diags.warn(
        S_LABEL_NOT_STRING,
        "label-not-string",
        `${what}.${k} is not a string; read as "${text}"`,
        value.span,
        `quote it: ${k}: "${text}"`,
      );
      out.set(k, text);
    }
  }
  return out;
}

/** A boolean field (default false). */
export function readBool(node: LNode | undefined, what: string, diags: Diagnostics): boolean {
  if (isNullish(node)) {
    return false;
  }
  if (node.kind === "scalar" && typeof node.value === "boolean") {
    return node.value;
  }
  reportFieldType(diags, what, "true or false", node);
  return false;
}

/** A string field; a non-string is reported and treated as absent. */
export function readString(node: LNode | undefined, what: string, diags: Diagnostics): string | undefined {
  if (isNullish(node)) {
    return undefined;
  }
  if (node.kind === "scalar" && typeof node.value === "string") {
    return node.value;
  }
  reportFieldType(diags, what, "a string", node);
  return undefined;
}

/** The items of a sequence field (empty when absent; reported when not a sequence). */
export function readSeq(node: LNode | undefined, what: string, diags: Diagnostics): readonly LNode[] {
  if (isNullish(node)) {
    return [];
  }
  if (node.kind !== "seq") {
    reportFieldType(diags, what, "a list", node);
    return [];
  }
  return node.items;
}

/** A port number 1..65535, or undefined (reported) when `node` is anything else. */
function readPortNumber(
  node: LNode | undefined,
  what: string,
  owner: LNode,
  diags: Diagnostics,
): number | undefined {
  if (isNullish(node)) {
    // Field names are case-sensitive; point at a near miss such as `containerport:`.
    let span = owner.span;
    let help: string | undefined;
    if (owner.kind === "map") {
      for (const [k, { keySpan }] of owner.entries) {
        if (k.toLowerCase() === what.toLowerCase()) {
          span = keySpan;
          help = `field names are case-sensitive: write ${what}, not ${k}`;
        }
      }
    }
    diags.warn(S_BAD_PORT, "invalid-port", `${what} is missing; entry skipped`, span, help);
    return undefined;
  }
  if (node.kind === "scalar" && typeof node.value === "number" && Number.isInteger(node.value)) {
    if (node.value >= 1 && node.value <= 65535) {
      return node.value;
    }
  }
  diags.warn(S_BAD_PORT, "invalid-port", `${what} must be a port number 1-65535; entry skipped`, node.span);
  return undefined;
}

/** A protocol field (default TCP) as its IP protocol number, or undefined (reported). */
function readProtocol(node: LNode | undefined, what: string, diags: Diagnostics): number | undefined {
  if (isNullish(node)) {
    return 6;
  }
  const name = node.kind === "scalar" && typeof node.value === "string" ? node.value : undefined;
  const proto = name === undefined ? undefined : protocolNumber(name);
  if (proto === undefined) {
    diags.warn(
      S_BAD_PROTOCOL,
      "unknown-protocol",
      `${what} must be TCP, UDP or SCTP; entry skipped`,
      node.span,
    );
  }
  return proto;
}

/** `containers[].ports[]` of a pod spec, in order. */
export function readContainerPorts(spec: LNode | undefined, diags: Diagnostics): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const container of readSeq(get(spec, "containers"), "spec.containers", diags)) {
    for (const p of readSeq(get(container, "ports"), "containers[].ports", diags)) {
      if (p.kind !== "map") {
        reportFieldType(diags, "a container port", "a mapping", p);
        continue;
      }
      const port = readPortNumber(get(p, "containerPort"), "containerPort", p, diags);
      const protocol = readProtocol(get(p, "protocol"), "protocol", diags);
      const name = readString(get(p, "name"), "port name", diags);
      if (port !== undefined && protocol !== undefined) {
        out.push({ port, protocol, ...(name !== undefined ? { name } : {}) });
      }
    }
  }
  return out;
}

/** A Service targetPort: a port number or a container port name; absent = `port`. */
function readTargetPort(
  node: LNode | undefined,
  port: number,
  owner: LNode,
  diags: Diagnostics,
): number | string | undefined {
  if (isNullish(node)) {
    return port;
  }
  if (node.kind === "scalar" && typeof node.value === "string") {
    if (!/^[0-9]+$/.test(node.value)) {
      return node.value;
    }
    const n = Number(node.value);
    if (n >= 1 && n <= 65535) {
      diags.warn(S_BAD_PORT, "invalid-port", `targetPort "${n}" is a quoted number; read as ${n}`, node.span);
      return n;
    }
  }
  return readPortNumber(node, "targetPort", owner, diags);
}

/** `spec.ports[]` of a Service: targetPort defaults to port; a numeric string reads as its number. */
export function readServicePorts(spec: LNode | undefined, diags: Diagnostics): ServicePort[] {
  const out: ServicePort[] = [];
  for (const p of readSeq(get(spec, "ports"), "spec.ports", diags)) {
    if (p.kind !== "map") {
      reportFieldType(diags, "a service port", "a mapping", p);
      continue;
    }
    const port = readPortNumber(get(p, "port"), "port", p, diags);
    const protocol = readProtocol(get(p, "protocol"), "protocol", diags);
    const name = readString(get(p, "name"), "port name", diags);
    if (port === undefined || protocol === undefined) {
      continue;
    }
    const targetPort = readTargetPort(get(p, "targetPort"), port, p, diags);
    if (targetPort !== undefined) {
      out.push({ port, targetPort, protocol, ...(name !== undefined ? { name } : {}) });
    }
  }
  return out;
}

/** An IP address as written; undefined when empty, or (reported, S4007) when it does not parse. */
export function readIp(node: LNode | undefined, what: string, diags: Diagnostics): string | undefined {
  const text = readString(node, what, diags);
  if (text === undefined || text === "" || node === undefined) {
    return undefined;
  }
  if (parseIp(text) === undefined) {
    diags.warn(S_BAD_IP, "invalid-ip", `${what} '${text}' is not an IP address; dropped`, node.span);
    return undefined;
  }
  return text;
}

/** Pod addresses: `status.podIPs[].ip`, else `status.podIP`; de-duplicated, as written. */
export function readPodIps(status: LNode | undefined, diags: Diagnostics): string[] {
  const out: string[] = [];
  const many = readSeq(get(status, "podIPs"), "status.podIPs", diags);
  for (const entry of many) {
    const ip = readIp(get(entry, "ip"), "status.podIPs[].ip", diags);
    if (ip !== undefined && !out.includes(ip)) {
      out.push(ip);
    }
  }
  if (out.length === 0) {
    const one = readIp(get(status, "podIP"), "status.podIP", diags);
    if (one !== undefined) {
      out.push(one);
    }
  }
  return out;
}

/** Node addresses: `status.addresses[]` of type InternalIP or ExternalIP, as written. */
export function readNodeIps(status: LNode | undefined, diags: Diagnostics): string[] {
  const out: string[] = [];
  for (const a of readSeq(get(status, "addresses"), "status.addresses", diags)) {
    const type = getString(a, "type");
    if (type !== "InternalIP" && type !== "ExternalIP") {
      continue;
    }
    const ip = readIp(get(a, "address"), `${type} address`, diags);
    if (ip !== undefined && !out.includes(ip)) {
      out.push(ip);
    }
  }
  return out;
}
