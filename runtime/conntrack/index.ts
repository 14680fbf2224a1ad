/**
 * @fileoverview Connection tracking: the table behind SVC_CT_LOOKUP / SVC_CT_CREATE, its TCP state
 * machine and tuple extraction. conntrack.ts describes the semantics, table.ts the storage.
 */

export { Conntrack } from "./conntrack.js";
export { DEFAULT_CAPACITY, DEFAULT_TIMEOUTS, MAX_CAPACITY, SWEEP_PER_CALL } from "./types.js";
export type { ConntrackCounters, ConntrackEntry, ConntrackOptions, ConntrackTimeouts } from "./types.js";
export type { TcpStateName } from "./tcp.js";
