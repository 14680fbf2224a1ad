/**
 * @fileoverview Trace peers: what `--from` / `--to` name — a pod or workload (`ns/name`, a Deployment
 * through its ReplicaSet's pods), a host endpoint (`node/<name>`, `hostendpoint/<name>` or `hep/<name>`),
 * or an address (an endpoint's, a host endpoint's, or anything outside) — resolved from the bundle's
 * metadata, and the address family both peers share.
 */

import type { BundleMetadata, EndpointMetadata } from "../../runtime/metadata.js";
import type { HostEndpointMetadata, LoweredMetadata } from "../lower/lower.js";

/** A resolved peer. */
export interface TracePeer {
  /** What the user wrote. */
  readonly query: string;
  /** The address used. */
  readonly ip: string;
  /** `ns/pod`, when the address belongs to an endpoint. */
  readonly endpoint?: string;
  /** np-guard style workload. */
  readonly workload?: string;
  readonly identity?: number;
}

/** A trace that cannot run (unknown peer, missing port). */
export class TraceError extends Error {
  override name = "TraceError";
}

/** A host endpoint as a trace peer (its metadata shaped as an endpoint's). */
function hostPeer(q: string, ip: string, h: HostEndpointMetadata): { peer: TracePeer; ep: EndpointMetadata } {
  const [kind, name] = h.name.split("/") as [string, string];
  const ep: EndpointMetadata = {
    namespace: "",
    name,
    workload: `${name}[${kind === "node" ? "Node" : "HostEndpoint"}]`,
    ips: h.ips,
    identity: h.identity,
    ingressGroup: h.ingressGroup,
    egressGroup: h.egressGroup,
    labels: h.labels,
  };
  return { peer: { query: q, ip, endpoint: h.name, workload: ep.workload, identity: h.identity }, ep };
}

/** The host endpoints of a bundle's metadata (none in bundles compiled before they existed). */
function hostEndpointsOf(meta: BundleMetadata | undefined): readonly HostEndpointMetadata[] {
  return (meta as LoweredMetadata | undefined)?.hostEndpoints ?? [];
}

export function resolvePeer(
  q: string,
  meta: BundleMetadata | undefined,
): { peer: TracePeer; ep?: EndpointMetadata } {
  const hosts = hostEndpointsOf(meta);
  const named = /^(node|hostendpoint|hep)\/(.+)$/.exec(q);
  if (named !== null && !(meta?.endpoints ?? []).some((e) => `${e.namespace}/${e.name}` === q)) {
    const kind = named[1] === "node" ? "node" : "hostendpoint";
    const h = hosts.find((x) => x.name === `${kind}/${named[2]!}`);
    if (h === undefined) {
      throw new TraceError(
        `no ${kind === "node" ? "node" : "HostEndpoint"} '${named[2]!}' in the bundle (known host endpoints: ${hosts.map((x) => x.name).join(", ") || "none"})`,
      );
    }
    return hostPeer(q, h.ips[0] ?? "", h);
  }
  if (/^[\d.]+$/.test(q) || q.includes(":")) {
    const h = hosts.find((x) => x.ips.includes(q));
    if (h !== undefined && !(meta?.endpoints ?? []).some((e) => e.ips.includes(q))) {
      return hostPeer(q, q, h);
    }
    const ep = meta?.endpoints.find((e) => e.ips.includes(q));
    return ep
      ? {
          peer: {
            query: q,
            ip: q,
            endpoint: `${ep.namespace}/${ep.name}`,
            workload: ep.workload,
            identity: ep.identity,
          },
          ep,
        }
      : { peer: { query: q, ip: q } };
  }
  const slash = q.indexOf("/");
  const ns = slash < 0 ? "default" : q.slice(0, slash);
  const name = slash < 0 ? q : q.slice(slash + 1);
  const eps = meta?.endpoints ?? [];
  const ep =
    eps.find((e) => e.namespace === ns && e.name === name) ??
    eps.find((e) => e.namespace === ns && e.workload.startsWith(`${ns}/${name}[`)) ??
    // A Deployment named in the question while the snapshot only has its ReplicaSet's pods
    // (<deployment>-<pod-template-hash>).
    eps.find(
      (e) =>
        e.namespace === ns &&
        new RegExp(`^${ns}/${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[a-z0-9]+\\[ReplicaSet\\]$`).test(
          e.workload,
        ),
    );
  if (ep === undefined) {
    const known = eps
      .slice(0, 5)
      .map((e) => `${e.namespace}/${e.name}`)
      .join(", ");
    throw new TraceError(
      `no pod or workload '${ns}/${name}' in the cluster snapshot${known ? ` (known: ${known}${eps.length > 5 ? ", ..." : ""})` : ""}`,
    );
  }
  return {
    peer: {
      query: q,
      ip: ep.ips[0] ?? "",
      endpoint: `${ep.namespace}/${ep.name}`,
      workload: ep.workload,
      identity: ep.identity,
    },
    ep,
  };
}

/** Pick addresses of one family for both peers (IPv4 when both have it). */
export function pickAddresses(
  a: { peer: TracePeer; ep?: EndpointMetadata },
  b: { peer: TracePeer; ep?: EndpointMetadata },
): [string, string] {
  const ips = (x: { peer: TracePeer; ep?: EndpointMetadata }): readonly string[] => x.ep?.ips ?? [x.peer.ip];
  for (const v4 of [true, false]) {
    const pa = ips(a).find((ip) => ip.includes(":") !== v4);
    const pb = ips(b).find((ip) => ip.includes(":") !== v4);
    if (pa !== undefined && pb !== undefined) {
      return [pa, pb];
    }
  }
  throw new TraceError(`${a.peer.query} and ${b.peer.query} have no address family in common`);
}
