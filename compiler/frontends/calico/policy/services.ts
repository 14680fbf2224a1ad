/**
 * @fileoverview EntityRule `services`: the backend pods of a Kubernetes Service, found among the
 * compile's input objects (calico.md §3.3, §3.6).
 *
 * Felix matches a source service by an IP set of its endpoints' addresses, and a destination service by
 * an IP+port set of (endpoint address, port, protocol) from its EndpointSlices. sluice reads no
 * EndpointSlices, so a Service's endpoints are the pods its `spec.selector` picks in its namespace, and
 * the ports are its `spec.ports[].targetPort` (a number, a port name resolved on each pod, or `port`
 * when absent) with the port's protocol (default TCP). A Service without a selector has its endpoints
 * elsewhere and matches nothing here; so does a Service that is not among the inputs.
 */

import { readStringMap } from "../../../cluster/fields.js";
import { LBL_NAMESPACE } from "../../../cluster/labels.js";
import { isSnapshotKind } from "../../../cluster/load.js";
import { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import type { KubeObject } from "../../../input/read-objects.js";
import { PROTO_TCP } from "../../../ir/entry.js";
import type { PortMatch } from "../../../ir/entry.js";
import { and, eq } from "../../../ir/selector.js";
import type { Selector } from "../../../ir/selector.js";
import { get } from "../../../yaml/located.js";
import type { LNode } from "../../../yaml/located.js";
import { PROTOCOL_NAMES } from "./ports.js";

/** What a rule learns from the Service it names. */
export interface ServiceTarget {
  /** The backend pods; undefined when the Service has no selector. */
  readonly selector?: Selector;
  /** The ports its endpoints serve (destination services); empty = none, so nothing matches. */
  readonly ports: readonly PortMatch[];
  /** The Service object. */
  readonly span: Span;
}

function targetPorts(ports: LNode | undefined): PortMatch[] {
  if (ports?.kind !== "seq") {
    return [];
  }
  const out: PortMatch[] = [];
  for (const p of ports.items) {
    const protoText = get(p, "protocol");
    const proto =
      protoText?.kind === "scalar" && typeof protoText.value === "string"
        ? (PROTOCOL_NAMES[protoText.value] ?? PROTO_TCP)
        : PROTO_TCP;
    const target = get(p, "targetPort");
    const port = get(p, "port");
    const t = target?.kind === "scalar" ? target.value : undefined;
    const n = port?.kind === "scalar" ? port.value : undefined;
    if (typeof t === "string" && !/^\d+$/.test(t)) {
      out.push({ protocol: proto, ranges: [], named: t, span: p.span });
    } else {
      const num = Number(t ?? n);
      if (Number.isInteger(num) && num >= 1 && num <= 65535) {
        out.push({ protocol: proto, ranges: [[num, num]], span: p.span });
      }
    }
  }
  return out;
}

/**
 * The Service `namespace/name` of the inputs, or undefined when there is none. Type problems in the
 * Service itself are the cluster loader's to report.
 */
export function findService(
  objects: readonly KubeObject[],
  namespace: string,
  name: string,
): ServiceTarget | undefined {
  const quiet = new Diagnostics();
  for (const o of objects) {
    if (o.kind !== "Service" || !isSnapshotKind(o) || o.name !== name) {
      continue;
    }
    if ((o.namespace ?? "default") !== namespace) {
      continue;
    }
    const spec = get(o.node, "spec");
    const labels = readStringMap(get(spec, "selector"), "spec.selector", quiet);
    const selector =
      labels.size === 0
        ? undefined
        : and(eq(LBL_NAMESPACE, namespace), ...[...labels].map(([k, v]) => eq(k, v)));
    return {
      ...(selector !== undefined ? { selector } : {}),
      ports: targetPorts(get(spec, "ports")),
      span: o.node.span,
    };
  }
  return undefined;
}
