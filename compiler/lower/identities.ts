/**
 * @fileoverview Identities: numbers for label sets, as Cilium allocates them.
 *
 * Reserved identities keep Cilium's numbers (pkg/identity/numericidentity.go: host 1, world 2, ...,
 * world-ipv4 9, world-ipv6 10). Endpoints with equal identity-relevant label sets share one identity,
 * numbered from 256 in sorted label order so a compile is deterministic. Every CIDR prefix that a
 * policy names gets a CIDR identity in Cilium's node-local scope (1 << 24 | n), labelled
 * `cidr:<prefix>` and `reserved:world` as Cilium labels them (pkg/labels/cidr.go).
 *
 * When CIDR peers must also match pod addresses (Calico `nets`), an endpoint's identity is further
 * split by the set of CIDR peers its address falls in; `cidrClass` carries that split.
 */

import { formatPrefix } from "../net/ip.js";
import type { Prefix } from "../net/ip.js";

/** Reserved identity numbers (Cilium's). */
export const ID_UNKNOWN = 0;
export const ID_HOST = 1;
export const ID_WORLD = 2;
export const ID_UNMANAGED = 3;
export const ID_HEALTH = 4;
export const ID_INIT = 5;
export const ID_REMOTE_NODE = 6;
export const ID_KUBE_APISERVER = 7;
export const ID_INGRESS = 8;
export const ID_WORLD_IPV4 = 9;
export const ID_WORLD_IPV6 = 10;
/** First identity allocated to endpoints. */
export const ID_FIRST_ENDPOINT = 256;
/** First CIDR identity (node-local scope). */
export const ID_FIRST_CIDR = 1 << 24;

/** What kind of thing an identity stands for. */
export type IdentityKind = "reserved" | "endpoint" | "cidr" | "fqdn";

/** One identity. */
export interface Identity {
  /** Number. */
  readonly id: number;
  /** Kind. */
  readonly kind: IdentityKind;
  /** Labels (reserved: `reserved:<name>` keys with empty values). */
  readonly labels: ReadonlyMap<string, string>;
  /** The prefix of a CIDR identity. */
  readonly prefix?: Prefix;
}

/** Reserved identities and their labels. */
export const RESERVED: readonly { id: number; name: string; extra?: readonly string[] }[] = [
  { id: ID_HOST, name: "host" },
  { id: ID_WORLD, name: "world" },
  { id: ID_UNMANAGED, name: "unmanaged" },
  { id: ID_HEALTH, name: "health" },
  { id: ID_INIT, name: "init" },
  { id: ID_REMOTE_NODE, name: "remote-node" },
  { id: ID_KUBE_APISERVER, name: "kube-apiserver" },
  { id: ID_INGRESS, name: "ingress" },
  { id: ID_WORLD_IPV4, name: "world-ipv4", extra: ["world"] },
  { id: ID_WORLD_IPV6, name: "world-ipv6", extra: ["world"] },
];

/** Label key of a reserved label. */
export function reservedKey(name: string): string {
  return `reserved:${name}`;
}

function canonical(labels: ReadonlyMap<string, string>, cidrClass: string): string {
  return (
    [...labels.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join("\u0000") + `\u0001${cidrClass}`
  );
}

/** Allocates identities for one compile. */
export class IdentityAllocator {
  private readonly byKey = new Map<string, { labels: ReadonlyMap<string, string>; cidrClass: string }>();
  private readonly prefixes = new Map<string, Prefix>();
  private readonly fqdns = new Map<string, ReadonlyMap<string, string>>();

  /** Request an endpoint identity for `labels` (already filtered to identity-relevant labels). */
  requestEndpoint(labels: ReadonlyMap<string, string>, cidrClass = ""): string {
    const key = canonical(labels, cidrClass);
    if (!this.byKey.has(key)) {
      this.byKey.set(key, { labels, cidrClass });
    }
    return key;
  }

  /** Request a CIDR identity for `prefix`. */
  requestCidr(prefix: Prefix): string {
    const key = formatPrefix(prefix);
    this.prefixes.set(key, prefix);
    return key;
  }

  /**
   * Request an identity for addresses DNS answers gave for names matching the same set of FQDN
   * selectors (`key` names that set and the address family; `labels` are `fqdn:<selector>` and world).
   */
  requestFqdn(key: string, labels: ReadonlyMap<string, string>): string {
    this.fqdns.set(key, labels);
    return key;
  }

  /**
   * Assign numbers: reserved first, endpoints from 256 in key order, CIDRs from 1<<24 in address order,
   * then FQDN identities (Cilium's node-local scope holds both).
   */
  finish(): {
    identities: Identity[];
    endpointId: Map<string, number>;
    cidrId: Map<string, number>;
    fqdnId: Map<string, number>;
  } {
    const identities: Identity[] = RESERVED.map((r) => ({
      id: r.id,
      kind: "reserved" as const,
      labels: new Map([r.name, ...(r.extra ?? [])].map((n) => [reservedKey(n), ""])),
    }));
    const endpointId = new Map<string, number>();
    [...this.byKey.keys()].sort().forEach((key, i) => {
      const id = ID_FIRST_ENDPOINT + i;
      endpointId.set(key, id);
      identities.push({ id, kind: "endpoint", labels: this.byKey.get(key)!.labels });
    });
    const cidrId = new Map<string, number>();
    [...this.prefixes.entries()]
      .sort((a, b) => (a[1].addr < b[1].addr ? -1 : a[1].addr > b[1].addr ? 1 : a[1].len - b[1].len))
      .forEach(([key, prefix], i) => {
        const id = ID_FIRST_CIDR + i;
        cidrId.set(key, id);
        identities.push({
          id,
          kind: "cidr",
          prefix,
          // As Cilium labels CIDR identities in dual-stack (pkg/labels/cidr.go): the prefix, world, and
          // the family's world.
          labels: new Map([
            [`cidr:${key}`, ""],
            [reservedKey("world"), ""],
            [reservedKey(prefix.family === 4 ? "world-ipv4" : "world-ipv6"), ""],
          ]),
        });
      });
    const fqdnId = new Map<string, number>();
    [...this.fqdns.keys()].sort().forEach((key, i) => {
      const id = ID_FIRST_CIDR + this.prefixes.size + i;
      fqdnId.set(key, id);
      identities.push({ id, kind: "fqdn", labels: this.fqdns.get(key)! });
    });
    return { identities, endpointId, cidrId, fqdnId };
  }
}
