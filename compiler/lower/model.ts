/**
 * @fileoverview The lowering's working model: endpoints with their labels, addresses and identities,
 * the identity table, and selector → identity resolution.
 */

import { identityLabels, podEndpointLabels } from "../cluster/labels.js";
import type { Cluster, Pod } from "../cluster/model.js";
import type { Peer, PolicyEntry } from "../ir/entry.js";
import { LabelSetIndex } from "../ir/selector-index.js";
import type { Labels, Selector } from "../ir/selector.js";
import { parseIp, parsePrefix, prefixContains, prefixHas } from "../net/ip.js";
import type { Prefix } from "../net/ip.js";
import { planFqdnIdentities } from "./fqdn-identities.js";
import type { FqdnSelectorPlan } from "./fqdn-identities.js";
import { ID_WORLD_IPV4, ID_WORLD_IPV6, IdentityAllocator } from "./identities.js";
import type { Identity } from "./identities.js";

/** How the dialect's CNI evaluates. */
export type EvaluationModel = "kubernetes" | "cilium" | "calico";

/** Options that change what selectors and CIDRs match. */
export interface ModelOptions {
  /** Whether CIDR peers also match pod addresses (Calico nets, weave-npc); false = never (Cilium, np-guard). */
  readonly cidrMatchesPods: boolean;
  /** Whether endpoint identities use Cilium's identity-relevant label filter. */
  readonly filterLabels: boolean;
  /** Names and the addresses DNS gave for them (what Cilium's DNS proxy would have learned). */
  readonly fqdnMappings?: readonly FqdnMapping[];
}

/** A DNS answer given at compile time: `name` resolved to `ips`. */
export interface FqdnMapping {
  readonly name: string;
  readonly ips: readonly string[];
}

/** The FQDN part of the model: what the runtime's FQDN cache needs. */
export interface FqdnModel {
  readonly selectors: readonly FqdnSelectorPlan[];
  readonly identities: readonly {
    readonly selectors: readonly number[];
    readonly family: 4 | 6;
    readonly id: number;
  }[];
}

/** An endpoint as the lowering sees it. */
export interface EndpointView {
  /** Index in `pods`. */
  readonly index: number;
  readonly pod: Pod;
  /** The full endpoint label view (pod labels + namespace meta labels). */
  readonly labels: Labels;
  /** Parsed addresses (mapped 128-bit). */
  readonly addrs: readonly bigint[];
  /** Identity number. */
  readonly identity: number;
}

/** The resolved model. */
export interface LoweringModel {
  readonly endpoints: readonly EndpointView[];
  readonly identities: readonly Identity[];
  /** Identity number → labels used for selector matching. */
  readonly identityLabels: ReadonlyMap<number, Labels>;
  /** CIDR prefix text → identity. */
  readonly cidrIdentity: ReadonlyMap<string, number>;
  /** Endpoints per identity. */
  readonly endpointsByIdentity: ReadonlyMap<number, readonly EndpointView[]>;
  /** Node addresses → node name. */
  readonly nodeAddrs: ReadonlyMap<bigint, string>;
  /** toFQDNs selectors and the identity of each selector set learned addresses can have. */
  readonly fqdn: FqdnModel;
  /** Addresses learned for FQDN selectors → their FQDN identity. */
  readonly fqdnAddrs: ReadonlyMap<bigint, number>;
  /** Identities a peer matches; "any" for a wildcard. */
  peerIdentities(peer: Peer): readonly number[] | "any";
  /** Identities a selector matches. */
  selectorIdentities(sel: Selector): readonly number[];
}

/** Every CIDR peer in the IR, parsed. */
function cidrPeers(
  entries: readonly PolicyEntry[],
): { peer: Peer & { kind: "cidr" }; cidr: Prefix; except: Prefix[] }[] {
  const out: { peer: Peer & { kind: "cidr" }; cidr: Prefix; except: Prefix[] }[] = [];
  for (const e of entries) {
    if (e.type !== "rule") {
      continue;
    }
    for (const p of [...e.peers, ...e.notPeers]) {
      if (p.kind !== "cidr") {
        continue;
      }
      const cidr = parsePrefix(p.cidr);
      if (typeof cidr === "string") {
        continue; // front ends report bad CIDRs
      }
      const except = p.except.map((x) => parsePrefix(x)).filter((x): x is Prefix => typeof x !== "string");
      out.push({ peer: p, cidr, except });
    }
  }
  return out;
}

function inCidrPeer(addr: bigint, c: { cidr: Prefix; except: Prefix[] }): boolean {
  return prefixHas(c.cidr, addr) && !c.except.some((x) => prefixHas(x, addr));
}

/** Build the model for `cluster` and `entries`. */
export function buildModel(
  cluster: Cluster,
  entries: readonly PolicyEntry[],
  options: ModelOptions,
): LoweringModel {
  const cidrs = cidrPeers(entries);
  const alloc = new IdentityAllocator();
  // A /0 is the world itself: it resolves to the reserved world identities, not a CIDR identity of
  // its own (which would shadow world-ipv4 or world-ipv6 in the ipcache).
  const isWorld = (p: Prefix): boolean => p.len === (p.family === 4 ? 96 : 0);
  for (const c of cidrs) {
    for (const p of [c.cidr, ...c.except]) {
      if (!isWorld(p)) {
        alloc.requestCidr(p);
      }
    }
  }
  const pending = cluster.pods.map((pod, index) => {
    const labels = podEndpointLabels(cluster, pod);
    const addrs = pod.ips.map((ip) => parseIp(ip)?.addr).filter((a): a is bigint => a !== undefined);
    const cidrClass = options.cidrMatchesPods
      ? cidrs
          .map((c, i) => (addrs.some((a) => inCidrPeer(a, c)) ? String(i) : ""))
          .filter((s) => s !== "")
          .join(",")
      : "";
    const idLabels = options.filterLabels ? identityLabels(labels) : labels;
    // A host endpoint with a reserved identity (Cilium host / remote-node) allocates none.
    const key = pod.host?.identity !== undefined ? "" : alloc.requestEndpoint(idLabels, cidrClass);
    return { index, pod, labels, addrs, key, idLabels };
  });
  // FQDN selectors and the identities learned addresses can get (fqdn-identities.ts).
  const fqdnPlan = planFqdnIdentities(entries, options.fqdnMappings ?? [], alloc);
  const fqdnLabel = new Map(fqdnPlan.selectors.map((sel) => [sel.regex, sel.label]));
  const { identities, endpointId, cidrId, fqdnId } = alloc.finish();
  const fqdnAddrs = new Map<bigint, number>([...fqdnPlan.given].map(([a, key]) => [a, fqdnId.get(key)!]));
  const fqdn: FqdnModel = {
    selectors: fqdnPlan.selectors,
    identities: [...fqdnPlan.sets].map(([key, set]) => ({ ...set, id: fqdnId.get(key)! })),
  };
  const endpoints: EndpointView[] = pending.map((p) => ({
    index: p.index,
    pod: p.pod,
    labels: p.labels,
    addrs: p.addrs,
    identity: p.pod.host?.identity ?? endpointId.get(p.key)!,
  }));
  const labelsById = new Map<number, Labels>(identities.map((i) => [i.id, i.labels]));
  const byIdentity = new Map<number, EndpointView[]>();
  for (const ep of endpoints) {
    const list = byIdentity.get(ep.identity) ?? [];
    list.push(ep);
    byIdentity.set(ep.identity, list);
  }
  const nodeAddrs = new Map<bigint, string>();
  for (const n of cluster.nodes) {
    for (const ip of n.ips) {
      const a = parseIp(ip);
      if (a !== undefined) {
        nodeAddrs.set(a.addr, n.name);
      }
    }
  }
  const selectorCache = new Map<Selector, readonly number[]>();
  // Indexed by exact labels, so a selector is evaluated only on identities carrying its required labels.
  const identityIndex = new LabelSetIndex(identities.map((i) => labelsById.get(i.id)!));
  const selectorIdentities = (sel: Selector): readonly number[] => {
    let ids = selectorCache.get(sel);
    if (ids === undefined) {
      // CIDR identities take part: they carry reserved:world, which Cilium's world entity selects.
      ids = identityIndex.matching(sel).map((k) => identities[k]!.id);
      selectorCache.set(sel, ids);
    }
    return ids;
  };
  const peerCache = new Map<Peer, readonly number[] | "any">();
  const peerIdentities = (peer: Peer): readonly number[] | "any" => {
    const cached = peerCache.get(peer);
    if (cached !== undefined) {
      return cached;
    }
    let result: readonly number[] | "any";
    if (peer.kind === "any") {
      result = "any";
    } else if (peer.kind === "endpoints") {
      result = selectorIdentities(peer.selector);
    } else if (peer.kind === "fqdn") {
      const label = fqdnLabel.get(peer.selector.regex)!;
      result = identities.filter((i) => i.kind === "fqdn" && i.labels.has(label)).map((i) => i.id);
    } else {
      const c = cidrs.find((x) => x.peer === peer);
      const ids: number[] = [];
      if (c !== undefined) {
        // A CIDR identity q belongs to the peer when q lies in the cidr and not inside an except:
        // addresses under an except resolve (longest prefix) to the except's own identity.
        for (const i of identities) {
          if (isWorld(c.cidr) && i.id === (c.cidr.family === 4 ? ID_WORLD_IPV4 : ID_WORLD_IPV6)) {
            ids.push(i.id);
          } else if (
            i.kind === "cidr" &&
            prefixContains(c.cidr, i.prefix!) &&
            !c.except.some((x) => prefixContains(x, i.prefix!))
          ) {
            ids.push(i.id);
          }
        }
        if (options.cidrMatchesPods) {
          const idx = String(cidrs.indexOf(c));
          for (const p of pending) {
            if (p.key.split("\u0001")[1]!.split(",").includes(idx)) {
              ids.push(endpointId.get(p.key)!);
            }
          }
        }
      }
      result = [...new Set(ids)];
    }
    peerCache.set(peer, result);
    return result;
  };
  return {
    endpoints,
    identities,
    identityLabels: labelsById,
    cidrIdentity: cidrId,
    endpointsByIdentity: byIdentity,
    nodeAddrs,
    fqdnAddrs,
    fqdn,
    peerIdentities,
    selectorIdentities,
  };
}
