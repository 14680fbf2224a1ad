/**
 * @fileoverview The engine's public types: options, per-packet results, batches and counters
 * (engine.ts re-exports them).
 */

import type { ConntrackCounters, ConntrackOptions } from "../conntrack/conntrack.js";
import type { ExecHook } from "../interp/exec.js";
import type { L7Counters, L7DatapathOptions } from "../l7/datapath/datapath.js";
import type { L7RecordSink } from "../l7/datapath/records.js";
import type { FqdnCacheCounters, FqdnCacheOptions } from "../l7/fqdn/cache.js";
import type { TableAlgorithm } from "../program.js";

/** Options of Engine.load. */
export interface EngineOptions {
  /** Execution backend (default "interp"); "wasm" needs `Engine.loadAsync`. */
  readonly backend?: "interp" | "wasm";
  /** Force one lookup structure for every table ("linear" is the iptables-model baseline). */
  readonly tableAlgorithm?: TableAlgorithm;
  /** Conntrack capacity and timeouts. */
  readonly conntrack?: ConntrackOptions;
  /** Called after every packet with the packet's context and result (for flow records). */
  readonly onPacket?: (event: PacketEvent) => void;
  /** L7 datapath limits (connections, reassembly and decoder buffers). */
  readonly l7?: Omit<L7DatapathOptions, "onRecord">;
  /** Receives the L7 records (requests, the proxy's answers to denied ones, DNS answers) as they happen. */
  readonly onL7Record?: L7RecordSink;
  /** FQDN cache settings (TTL floor, addresses per name). */
  readonly fqdn?: FqdnCacheOptions;
}

/** Options of one `process` call. */
export interface ProcessOptions {
  /** Packet time in nanoseconds (default: the previous packet's time). */
  readonly timestampNs?: number;
  /** pcap link type of the frame (default 1, Ethernet). */
  readonly linkType?: number;
  /** Direction hint stored in the context (DIR_*). */
  readonly direction?: number;
  /** Observer of table lookups (trace). */
  readonly hook?: ExecHook;
}

/** The 5-tuple the parser read. */
export interface Tuple {
  readonly ipVersion: number;
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly tcpFlags: number;
}

/** The outcome of one packet. */
export interface PacketResult {
  readonly verdict: number;
  readonly verdictName: string;
  readonly dropReason: number;
  readonly dropReasonName: string | undefined;
  /** Rule that decided, if any (see the bundle's source map). */
  readonly ruleId: number | undefined;
  readonly tuple: Tuple;
  /** Conntrack state (CT_*) and its name. */
  readonly ctState: number;
  readonly ctStateName: string;
  /** Whether conntrack saw this packet as a reply. */
  readonly isReply: boolean;
}

/** What the packet callback sees. `ctx` is live: copy what you keep. */
export interface PacketEvent {
  readonly ctx: Uint32Array;
  readonly frame: Uint8Array;
  readonly timestampNs: number;
  readonly verdict: number;
  readonly dropReason: number;
  readonly ruleId: number;
}

/** A batch of packets in one buffer. */
export interface PacketBatch {
  /** Buffer holding the frames. */
  readonly frames: Uint8Array;
  /** Start of each frame in `frames`. */
  readonly offsets: Uint32Array;
  /** Length of each frame. */
  readonly lengths: Uint32Array;
  /** Time of each frame in ns. */
  readonly timestampsNs: Float64Array;
  /** Number of frames (default: offsets.length). */
  readonly count?: number;
  /** pcap link type of every frame (default 1). */
  readonly linkType?: number;
}

/** Where processBatch writes its results. */
export interface BatchResults {
  readonly verdicts: Uint8Array;
  readonly reasons: Uint16Array;
  readonly rules: Uint32Array;
}

/** Engine counters. */
export interface EngineCounters {
  readonly packets: number;
  readonly bytes: number;
  /** Packets per verdict name. */
  readonly verdicts: Readonly<Record<string, number>>;
  /** Drops per reason name. */
  readonly dropReasons: Readonly<Record<string, number>>;
  /** Program counters (COUNT), by name. */
  readonly program: Readonly<Record<string, number>>;
  /** Conntrack counters. */
  readonly conntrack: ConntrackCounters;
  /** L7 datapath counters, when the bundle redirects to L7 inspection. */
  readonly l7?: L7Counters;
  /** FQDN cache counters, when the bundle has toFQDNs peers. */
  readonly fqdn?: FqdnCacheCounters;
}
