/**
 * @fileoverview The TCP state machine conntrack keeps per connection: six bits that accumulate what
 * each side has sent, and the timeout class those bits select. Pure functions on a state word.
 *
 * Modelled on Cilium's `bpf/lib/conntrack.h` (`ct_update_timeout`, `__ct_lookup`): the handshake is
 * judged by flags only (no sequence numbers or windows), the SYN timeout applies until a packet without
 * SYN is seen, then the established timeout; a FIN marks its sender's side closing; the close timeout
 * starts when both sides are closing (or on RST) and later packets do not extend it. Two deliberate
 * differences: an RST always closes both sides (Cilium closes only the sender's side once both SYNs were
 * seen), and only a SYN without ACK reopens a closing connection (Cilium also accepts a SYN-ACK).
 * A TCP packet of an unknown connection is CT_NEW whatever its flags: 2017-era Cilium dropped one with
 * neither SYN nor ACK as CT_MISSING_TCP_ACK_FLAG (136), later releases do not, and cilium.md states no
 * rule for it, so the policy decides.
 *
 *   state            bits                          timeout class
 *   syn-sent         SYN_ORIG                      CLASS_SYN
 *   syn-received     SYN_ORIG | SYN_REPLY          CLASS_SYN
 *   established      NON_SYN (+ any SYN bits)      CLASS_TCP
 *   closing          NON_SYN | FIN_ORIG or FIN_REPLY  CLASS_TCP (half-closed connections live on)
 *   closed           FIN_ORIG & FIN_REPLY, or RST  CLASS_CLOSE (expiry fixed when it closed)
 */

/** TCP header flag bits as they appear in F_TCP_FLAGS. */
export const TH_FIN = 0x01;
/** SYN. */
export const TH_SYN = 0x02;
/** RST. */
export const TH_RST = 0x04;
/** ACK. */
export const TH_ACK = 0x10;

/** The originator sent a SYN. */
export const TCP_SYN_ORIG = 1 << 0;
/** The responder sent a SYN (SYN-ACK). */
export const TCP_SYN_REPLY = 1 << 1;
/** A packet without SYN was seen from either side: the handshake is over (Cilium's `seen_non_syn`). */
export const TCP_NON_SYN = 1 << 2;
/** The originator sent a FIN (Cilium's `tx_closing` for an egress connection). */
export const TCP_FIN_ORIG = 1 << 3;
/** The responder sent a FIN. */
export const TCP_FIN_REPLY = 1 << 4;
/** Either side sent an RST. */
export const TCP_RST = 1 << 5;
/** Bits that make a connection closing: a SYN on such an entry reopens it. */
export const TCP_CLOSING = TCP_FIN_ORIG | TCP_FIN_REPLY | TCP_RST;

/** Timeout class: TCP handshake in progress (tcpSyn). */
export const CLASS_SYN = 0;
/** Timeout class: TCP established or half-closed (tcp). */
export const CLASS_TCP = 1;
/** Timeout class: TCP closed (tcpFin). */
export const CLASS_CLOSE = 2;
/** Timeout class: every other protocol (any). */
export const CLASS_ANY = 3;
/** Number of timeout classes. */
export const CLASS_COUNT = 4;

/** Whether a state word is closed: both FINs or an RST. */
export function tcpClosed(state: number): boolean {
  return (
    (state & TCP_RST) !== 0 || (state & (TCP_FIN_ORIG | TCP_FIN_REPLY)) === (TCP_FIN_ORIG | TCP_FIN_REPLY)
  );
}

/**
 * The state after a packet with TCP flags `flags` from the originator (`reply` false) or the responder.
 * A closed state absorbs every packet; RST closes; FIN marks the sender's side.
 */
export function tcpAdvance(state: number, flags: number, reply: boolean): number {
  if (tcpClosed(state)) {
    return state;
  }
  let s = state;
  if ((flags & TH_SYN) !== 0) {
    s |= reply ? TCP_SYN_REPLY : TCP_SYN_ORIG;
  } else {
    s |= TCP_NON_SYN;
  }
  if ((flags & TH_RST) !== 0) {
    s |= TCP_RST;
  } else if ((flags & TH_FIN) !== 0) {
    s |= reply ? TCP_FIN_REPLY : TCP_FIN_ORIG;
  }
  return s;
}

/** The timeout class of a TCP state word. */
export function tcpClass(state: number): number {
  if (tcpClosed(state)) {
    return CLASS_CLOSE;
  }
  return (state & TCP_NON_SYN) !== 0 ? CLASS_TCP : CLASS_SYN;
}

/**
 * Whether a packet reopens a connection in `state`: a connection-opening SYN (no ACK, FIN or RST) on a
 * connection where some side already sent FIN or RST. Cilium's test is the same (`__ct_lookup`,
 * ACTION_CREATE on a closing entry) except that it also accepts SYN-ACK.
 */
export function tcpReopens(state: number, flags: number): boolean {
  return (flags & (TH_SYN | TH_ACK | TH_FIN | TH_RST)) === TH_SYN && (state & TCP_CLOSING) !== 0;
}

/** Names of the TCP states, for snapshots and flow tables. */
export type TcpStateName = "syn-sent" | "syn-received" | "established" | "closing" | "closed";

/** The name of a TCP state word. */
export function tcpStateName(state: number): TcpStateName {
  if (tcpClosed(state)) {
    return "closed";
  }
  if ((state & TCP_CLOSING) !== 0) {
    return "closing";
  }
  if ((state & TCP_NON_SYN) !== 0) {
    return "established";
  }
  return (state & TCP_SYN_REPLY) !== 0 ? "syn-received" : "syn-sent";
}
