/**
 * @fileoverview The reachability matrix, read off the compiled tables.
 *
 * For a (source, destination) pair the program's decision depends only on the source's egress group
 * and the destination's identity (egress stage), and the destination's ingress group and the source's
 * identity (ingress stage). So each stage's allowed set is found by taking the policy-table rows for
 * that (group, peer identity) in priority order and painting protocol × port space with each row's
 * action, first row first — exactly the best-row rule the lookup applies per packet — with whatever no
 * row covers allowed (a miss means no rule applies). The pair's set is the intersection of the two.
 * No second evaluator of policy semantics is involved: only the tables.
 *
 * Peers are workloads (one representative endpoint each, as np-guard groups pods) and External
 * address ranges: elementary intervals of the IPv4 space cut at every ipBlock boundary, for sources
 * (ingress ipBlocks) and destinations (egress ipBlocks).
 */

import { MATCH_TERNARY, actionOffset, entryStride, keyDataOffset } from "../../runtime/bytecode/bundle.js";
import type { Bundle, TableDef } from "../../runtime/bytecode/bundle.js";
import { ACTION_DATA0, ACTION_VERDICT } from "../../runtime/bytecode/opcodes.js";
import { F_SRC_IP6, createContext } from "../../runtime/context.js";
import { readMetadata } from "../../runtime/metadata.js";
import type { BundleMetadata, EndpointMetadata } from "../../runtime/metadata.js";
import { buildTableLookup } from "../../runtime/tables/select.js";
import { ACT_ALLOW, ACT_PASS, ACT_REDIRECT, IPC_IDENTITY } from "../lower/actions.js";
import { formatIp, parseIp, parsePrefix, prefixMask, toWords } from "../net/ip.js";
import {
  CONN_PROTOCOLS,
  clip,
  emptyConnSet,
  fullConnSet,
  intersectConns,
  isEmptyConns,
  subtract,
  union,
} from "./port-set.js";
import type { ConnSet } from "./port-set.js";

/** One line of the matrix. */
export interface ConnLine {
  readonly src: string;
  readonly dst: string;
  readonly conns: ConnSet;
}

/** A matrix peer: a workload or an External range. */
interface MatrixPeer {
  readonly name: string;
  /** Address used to look up the identity (IPv4 representative). */
  readonly addr: bigint;
  readonly identity: number;
  readonly ingressGroup: number;
  readonly egressGroup: number;
  readonly external: boolean;
}

/**
 * Allowed set of one stage: the tier tables in order; in each, the rows for this group and a peer
 * identity the row matches, best first. A row decides the part of the still-open space it covers:
 * allow adds it to the result, deny drops it, pass hands it to the next tier; what no row covers goes
 * on to the next tier too, and what is still open after the last tier is allowed.
 */
export function stageConns(tables: readonly TableDef[], group: number, peerIdentity: number): ConnSet {
  if (group === 0) {
    return fullConnSet();
  }
  const open = fullConnSet();
  const allowed = emptyConnSet();
  for (const table of tables) {
    const passed = emptyConnSet();
    const stride = entryStride(table);
    const act = actionOffset(table);
    const rows: number[] = [];
    for (let e = 0; e < table.entryCount; e++) {
      const base = e * stride;
      const pv = table.entries[base + keyDataOffset(table, 1)]!;
      const pm = table.entries[base + keyDataOffset(table, 1) + 1]!;
      if (table.entries[base + keyDataOffset(table, 0)] === group && (peerIdentity & pm) >>> 0 === pv) {
        rows.push(e);
      }
    }
    rows.sort((a, b) => table.entries[a * stride]! - table.entries[b * stride]! || a - b);
    for (const e of rows) {
      const base = e * stride;
      const k = (i: number): number => table.entries[base + keyDataOffset(table, i)]!;
      const kMask = (i: number): number => table.entries[base + keyDataOffset(table, i) + 1]!;
      // ICMP type/code rows match TCP/UDP/SCTP packets only if they admit the 0 those carry there.
      if (table.keys[4]!.kind === MATCH_TERNARY && ((0 & kMask(4)) !== k(4) || (0 & kMask(5)) !== k(5))) {
        continue;
      }
      // A range key stores lo then hi.
      const lo = Math.max(1, k(3));
      const hi = Math.min(65535, kMask(3));
      if (lo > hi) {
        continue;
      }
      const verdict = table.entries[base + act + ACTION_VERDICT]!;
      for (const { proto } of CONN_PROTOCOLS) {
        if ((proto & kMask(2)) >>> 0 !== k(2)) {
          continue;
        }
        const here = open.get(proto)!;
        const decided = clip(here, lo, hi);
        if (decided.length === 0) {
          continue;
        }
        open.set(proto, subtract(here, lo, hi));
        if (verdict === ACT_ALLOW || verdict === ACT_REDIRECT) {
          allowed.set(proto, union(allowed.get(proto)!, decided));
        } else if (verdict === ACT_PASS) {
          passed.set(proto, union(passed.get(proto)!, decided));
        }
      }
    }
    for (const { proto } of CONN_PROTOCOLS) {
      open.set(proto, union(open.get(proto)!, passed.get(proto)!));
    }
  }
  for (const { proto } of CONN_PROTOCOLS) {
    allowed.set(proto, union(allowed.get(proto)!, open.get(proto)!));
  }
  return allowed;
}

/** Elementary IPv4 intervals cut at the boundaries of `blocks` ("cidr except..." strings). */
export function externalRanges(blocks: readonly string[]): [bigint, bigint][] {
  const lo4 = 0xffffn << 32n;
  const hi4 = lo4 | 0xffffffffn;
  const cuts = new Set<bigint>([lo4, hi4 + 1n]);
  for (const block of blocks) {
    for (const text of block.split(" ")) {
      const p = parsePrefix(text);
      if (typeof p === "string" || p.family !== 4) {
        continue;
      }
      cuts.add(p.addr);
      cuts.add(p.addr + (((1n << 128n) - 1n) ^ prefixMask(p.len)) + 1n);
    }
  }
  const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    out.push([sorted[i]!, sorted[i + 1]! - 1n]);
  }
  return out;
}

function workloadPeers(meta: BundleMetadata): MatrixPeer[] {
  const first = new Map<string, EndpointMetadata>();
  for (const ep of meta.endpoints) {
    if (!first.has(ep.workload)) {
      first.set(ep.workload, ep);
    }
  }
  return [...first.values()].map((ep) => ({
    name: ep.workload,
    addr: parseIp(ep.ips.find((ip) => ip.includes(".")) ?? ep.ips[0] ?? "0.0.0.0")!.addr,
    identity: ep.identity,
    ingressGroup: ep.ingressGroup,
    egressGroup: ep.egressGroup,
    external: false,
  }));
}

/** Compute the matrix of a compiled bundle. */
export function connlist(bundle: Bundle): ConnLine[] {
  const meta = readMetadata(bundle);
  if (meta === undefined) {
    throw new Error("the bundle has no metadata (was it compiled from policies by sluice compile?)");
  }
  const ipcache = bundle.tables[meta.tables.ipcacheSrc!]!;
  const ingressTables = meta.policyTables.ingress.map((t) => bundle.tables[t.table]!);
  const egressTables = meta.policyTables.egress.map((t) => bundle.tables[t.table]!);
  const lookup = buildTableLookup(ipcache);
  const ctx = createContext();
  const taken = new Set(meta.endpoints.flatMap((ep) => ep.ips.map((ip) => parseIp(ip)!.addr)));
  const identityOf = (addr: bigint): number => {
    ctx.set(toWords(addr), F_SRC_IP6);
    const e = lookup.lookup(ctx);
    return ipcache.entries[e * entryStride(ipcache) + actionOffset(ipcache) + ACTION_DATA0 + IPC_IDENTITY]!;
  };
  const external = (ranges: [bigint, bigint][]): MatrixPeer[] =>
    ranges.map(([lo, hi]) => {
      let addr = lo;
      while (taken.has(addr) && addr < hi) {
        addr++;
      }
      return {
        name: `${formatIp(lo)}-${formatIp(hi)}[External]`,
        addr,
        identity: identityOf(addr),
        ingressGroup: 0,
        egressGroup: 0,
        external: true,
      };
    });
  const workloads = workloadPeers(meta);
  const sources = [...workloads, ...external(externalRanges(meta.ipBlocks.ingress))];
  const destinations = [...workloads, ...external(externalRanges(meta.ipBlocks.egress))];
  const lines: ConnLine[] = [];
  for (const s of sources) {
    for (const d of destinations) {
      if (s.name === d.name || (s.external && d.external)) {
        continue;
      }
      const eg = s.external ? fullConnSet() : stageConns(egressTables, s.egressGroup, d.identity);
      const ig = d.external ? fullConnSet() : stageConns(ingressTables, d.ingressGroup, s.identity);
      const conns = intersectConns(eg, ig);
      if (!isEmptyConns(conns)) {
        lines.push({ src: s.name, dst: d.name, conns });
      }
    }
  }
  return lines;
}
