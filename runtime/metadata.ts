/**
 * @fileoverview Bundle metadata: the names behind the numbers (endpoints, identities, tables), carried
 * in the METADATA section as UTF-8 JSON padded with zero bytes to a multiple of 4.
 *
 * The program never reads it; flow records, `trace` and `connlist` use it to print `ns/pod`, identity
 * labels and workload names. A bundle without it still runs.
 */

import { SEC_METADATA } from "./bytecode/bundle.js";
import type { Bundle } from "./bytecode/bundle.js";

/** One endpoint. */
export interface EndpointMetadata {
  readonly namespace: string;
  readonly name: string;
  /** np-guard style workload peer: `ns/name[Kind]`. */
  readonly workload: string;
  readonly ips: readonly string[];
  readonly identity: number;
  readonly ingressGroup: number;
  readonly egressGroup: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** One identity. */
export interface IdentityMetadata {
  readonly id: number;
  readonly kind: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One policy table: which tier of which direction it evaluates. */
export interface PolicyTableMetadata {
  readonly table: number;
  readonly tier: number;
  readonly tierName: string;
}

/** toFQDNs selectors and the identities of the selector sets learned addresses can have (compiler/lower/fqdn-identities.ts). */
export interface FqdnMetadata {
  /** Selectors: label `fqdn:<pattern>` and the anchored regex over the lower-cased name with a trailing dot. */
  readonly selectors: readonly { readonly label: string; readonly regex: string }[];
  /** Identity of each planned selector set (indexes into `selectors`, ascending) per address family. */
  readonly identities: readonly {
    readonly selectors: readonly number[];
    readonly family: 4 | 6;
    readonly id: number;
  }[];
}

/** The metadata document. */
export interface BundleMetadata {
  readonly version: 1;
  /** CNI the bundle was compiled for (spec, weave, cilium, calico). */
  readonly cni: string;
  /** Evaluation model (kubernetes, cilium, calico). */
  readonly model: string;
  readonly endpoints: readonly EndpointMetadata[];
  readonly identities: readonly IdentityMetadata[];
  /** ipBlocks per direction (each "cidr except..." as one string), for External range partitions. */
  readonly ipBlocks: { readonly ingress: readonly string[]; readonly egress: readonly string[] };
  /** Table indexes by role (ipcacheSrc, ipcacheDst). */
  readonly tables: Readonly<Record<string, number>>;
  /** Policy tables per direction, in tier order. */
  readonly policyTables: {
    readonly ingress: readonly PolicyTableMetadata[];
    readonly egress: readonly PolicyTableMetadata[];
  };
  /** Present when the policies have toFQDNs peers: the program then asks the runtime's FQDN cache. */
  readonly fqdn?: FqdnMetadata;
}

/** The bundle's metadata, or undefined when it has none or it does not parse. */
export function readMetadata(bundle: Bundle): BundleMetadata | undefined {
  const raw = bundle.rawSections.get(SEC_METADATA);
  if (raw === undefined) {
    return undefined;
  }
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0) {
    end--;
  }
  try {
    const doc = JSON.parse(new TextDecoder().decode(raw.subarray(0, end))) as { version?: unknown };
    return doc.version === 1 ? (doc as BundleMetadata) : undefined;
  } catch {
    return undefined;
  }
}
