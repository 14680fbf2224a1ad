/**
 * @fileoverview The IR: one flat, dialect-neutral list of policy entries (after Cilium's PolicyEntry
 * and Calico's tiers).
 *
 * Each entry is one rule of one policy in one direction, or the "selection" of a subject by a policy
 * (which is what makes a direction default-deny in Kubernetes and Cilium, and what makes a Calico tier's
 * default action apply). Evaluation order is (tier, order, ruleIndex); what a match means is the verdict.
 * Front ends produce entries; lowering (compiler/lower) resolves selectors against the cluster and turns
 * the list into match-action tables.
 */

import type { Span } from "../diagnostics/source.js";
import type { L7Rules } from "./l7.js";
import type { FqdnSelector } from "./l7.js";
import type { Selector } from "./selector.js";

/** Traffic direction, from the subject endpoint's point of view. */
export type Direction = "ingress" | "egress";

/** Which language a policy came from. */
export type Dialect = "kubernetes" | "cilium" | "calico";

/** What a matching rule does. */
export type RuleVerdict = "allow" | "deny" | "pass" | "log";

/** Where an entry came from. */
export interface Origin {
  /** Source dialect. */
  readonly dialect: Dialect;
  /** Object kind (NetworkPolicy, CiliumNetworkPolicy, GlobalNetworkPolicy, ...). */
  readonly kind: string;
  /** Namespace of a namespaced policy. */
  readonly namespace?: string;
  /** Policy name. */
  readonly name: string;
  /** 0-based index of the rule in its direction's list; -1 for a selection entry. */
  readonly ruleIndex: number;
  /** Span of the rule (or of the policy for selection entries). */
  readonly span: Span;
  /** Span of the whole policy object. */
  readonly policySpan: Span;
  /** Calico staged policy: compiled, reported, never enforced. */
  readonly staged?: boolean;
}

/** An allowed peer. */
export type Peer =
  /** Every peer, cluster or not. */
  | { readonly kind: "any" }
  /** Cluster endpoints (and reserved identities) whose labels match. */
  | { readonly kind: "endpoints"; readonly selector: Selector; readonly span?: Span }
  /** Addresses in `cidr` and in none of `except` (IPv4 or IPv6 text). */
  | {
      readonly kind: "cidr";
      readonly cidr: string;
      readonly except: readonly string[];
      readonly span?: Span;
    }
  /** Addresses DNS answers gave for names the selector matches (Cilium toFQDNs). */
  | { readonly kind: "fqdn"; readonly selector: FqdnSelector; readonly span?: Span };

/** One port clause: protocol and port ranges (or a named port), ICMP type/code. */
export interface PortMatch {
  /** IP protocol number; undefined = any protocol. */
  readonly protocol?: number;
  /** Inclusive port ranges; empty = every port of the protocol. */
  readonly ranges: readonly (readonly [number, number])[];
  /** A named port, resolved on the destination endpoint by name and protocol. */
  readonly named?: string;
  /** ICMP type (with protocol 1 or 58). */
  readonly icmpType?: number;
  /** ICMP code. */
  readonly icmpCode?: number;
  /** Span of the clause, for diagnostics. */
  readonly span?: Span;
}

/** A rule: peers (OR) × ports (OR), and what a match means. */
export interface RuleEntry {
  readonly type: "rule";
  readonly origin: Origin;
  /** Evaluation tier (0 first). */
  readonly tier: number;
  /** Tier name (Calico), or the dialect's single tier name. */
  readonly tierName: string;
  /** Order within the tier (policy order; smaller first). */
  readonly order: number;
  /** Endpoints the policy applies to. */
  readonly subject: Selector;
  /** Direction. */
  readonly direction: Direction;
  /** Peers, OR'ed; `[{kind:"any"}]` for every peer. */
  readonly peers: readonly Peer[];
  /** Peers that must not match (Calico notSelector / notNets). */
  readonly notPeers: readonly Peer[];
  /** Port clauses, OR'ed; empty = every protocol and port. */
  readonly ports: readonly PortMatch[];
  /** Port clauses that must not match (Calico notPorts / notProtocol / notICMP). */
  readonly notPorts: readonly PortMatch[];
  /** What a match means. */
  readonly verdict: RuleVerdict;
  /** L7 rules a proxy applies to what this rule allows (Cilium `toPorts[].rules`); absent = none. */
  readonly l7?: L7Rules;
}

/** A policy selecting its subjects for a direction. */
export interface SelectEntry {
  readonly type: "select";
  readonly origin: Origin;
  readonly tier: number;
  readonly tierName: string;
  readonly order: number;
  readonly subject: Selector;
  readonly direction: Direction;
  /** Whether being selected makes this direction deny what no rule allows. */
  readonly defaultDeny: boolean;
}

/** One IR entry. */
export type PolicyEntry = RuleEntry | SelectEntry;

/** Protocol numbers. */
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;
