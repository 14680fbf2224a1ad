/**
 * @fileoverview The DNS message decoder of the L7 datapath (RFC 1035 §4.1): header, questions and answer
 * records of one message, and the IP → name facts Cilium's DNS proxy learns from an answer (`answersFor`).
 * Names (escaping, compression, limits) are read by name.ts; the TCP framing and the query-side policy
 * checks live in stream.ts.
 *
 * Decisions (each with its source):
 * - Addresses are copies (the datapath reuses its buffers): A → 4-byte Uint8Array, AAAA → 16 bytes; the IP
 *   cache can key on them directly. A/AAAA/CNAME rdata must fill RDLENGTH exactly (miekg/dns: "bad
 *   rdlength"); rdata of other types is skipped by RDLENGTH without a look inside.
 * - A message may end exactly where a question or record would begin before the header counts are reached:
 *   miekg/dns (Cilium's decoder) tolerates such short messages (header-only REFUSED answers are common), so
 *   the entries present are kept and `complete` is false. Ending inside an entry is DNS_ERR_TRUNCATED.
 *   Bytes after the last entry are ignored, as miekg/dns does.
 * - Authority and additional records are walked (names, fixed fields, rdata bounds) but not kept.
 */

import {
  DNS_CURSOR,
  DNS_ERR_BAD_RDATA,
  DNS_ERR_SHORT_HEADER,
  DNS_ERR_TRUNCATED,
  readDnsName,
  skipDnsRecords,
} from "./name.js";

export {
  DNS_CURSOR,
  DNS_ERR_BAD_LABEL,
  DNS_ERR_BAD_POINTER,
  DNS_ERR_BAD_RDATA,
  DNS_ERR_NAME_TOO_LONG,
  DNS_ERR_SHORT_HEADER,
  DNS_ERR_TRUNCATED,
  DNS_ERROR_NAMES,
  readDnsName,
  skipDnsRecords,
} from "./name.js";

/** RR type A (RFC 1035 §3.2.2). */
export const DNS_TYPE_A = 1;
/** RR type CNAME (RFC 1035 §3.2.2). */
export const DNS_TYPE_CNAME = 5;
/** RR type AAAA (RFC 3596 §2.1). */
export const DNS_TYPE_AAAA = 28;

/** One question (RFC 1035 §4.1.2). */
export interface DnsQuestion {
  /** QNAME, presentation format without the trailing dot. */
  readonly name: string;
  /** QTYPE. */
  readonly type: number;
  /** QCLASS. */
  readonly class: number;
}

/** One answer record (RFC 1035 §4.1.3). */
export interface DnsRecord {
  /** Owner name, presentation format without the trailing dot. */
  readonly name: string;
  /** TYPE. */
  readonly type: number;
  /** CLASS. */
  readonly class: number;
  /** TTL, seconds (unsigned 32-bit). */
  readonly ttl: number;
  /** A: 4 bytes, AAAA: 16 bytes (copies); null for other types. */
  readonly address: Uint8Array | null;
  /** CNAME: the target name; null for other types. */
  readonly target: string | null;
}

/** A decoded message. */
export interface DnsMessage {
  /** ID. */
  readonly id: number;
  /** The 16-bit flags word after the ID (QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE). */
  readonly flags: number;
  /** QR: the message is a response. */
  readonly qr: boolean;
  /** OPCODE (0 QUERY, 4 NOTIFY, 5 UPDATE, ...). */
  readonly opcode: number;
  /** AA: authoritative answer. */
  readonly aa: boolean;
  /** TC: truncated (UDP). */
  readonly tc: boolean;
  /** RD: recursion desired. */
  readonly rd: boolean;
  /** RA: recursion available. */
  readonly ra: boolean;
  /** AD: authentic data (RFC 4035 §3.2.3). */
  readonly ad: boolean;
  /** CD: checking disabled (RFC 4035 §3.2.2). */
  readonly cd: boolean;
  /** RCODE (header bits only; an EDNS extended RCODE is not merged). */
  readonly rcode: number;
  /** QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as the header says. */
  readonly qdcount: number;
  /** ANCOUNT. */
  readonly ancount: number;
  /** NSCOUNT. */
  readonly nscount: number;
  /** ARCOUNT. */
  readonly arcount: number;
  /** Questions decoded. */
  readonly questions: DnsQuestion[];
  /** Answer records decoded. */
  readonly answers: DnsRecord[];
  /** Authority records walked. */
  readonly authorityCount: number;
  /** Additional records walked. */
  readonly additionalCount: number;
  /** False when the message ended at an entry boundary before the header counts were reached. */
  readonly complete: boolean;
}

/** Decode the answer record at `pos`; null on failure (DNS_CURSOR.err set). */
function readRecord(bytes: Uint8Array, msgStart: number, pos: number, end: number): DnsRecord | null {
  const name = readDnsName(bytes, msgStart, pos, end, true);
  if (name === null) {
    return null;
  }
  const p = DNS_CURSOR.pos;
  if (p + 10 > end) {
    DNS_CURSOR.err = DNS_ERR_TRUNCATED;
    return null;
  }
  const type = (bytes[p]! << 8) | bytes[p + 1]!;
  const cls = (bytes[p + 2]! << 8) | bytes[p + 3]!;
  const ttl = ((bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!) >>> 0;
  const rdStart = p + 10;
  const rdEnd = rdStart + ((bytes[p + 8]! << 8) | bytes[p + 9]!);
  if (rdEnd > end) {
    DNS_CURSOR.err = DNS_ERR_TRUNCATED;
    return null;
  }
  let address: Uint8Array | null = null;
  let target: string | null = null;
  if (type === DNS_TYPE_A || type === DNS_TYPE_AAAA) {
    if (rdEnd - rdStart !== (type === DNS_TYPE_A ? 4 : 16)) {
      DNS_CURSOR.err = DNS_ERR_BAD_RDATA;
      return null;
    }
    // A fresh Uint8Array: `slice` on a Node Buffer would share memory with the datapath's buffer.
    address = new Uint8Array(rdEnd - rdStart);
    for (let i = rdStart; i < rdEnd; i++) {
      address[i - rdStart] = bytes[i]!;
    }
  } else if (type === DNS_TYPE_CNAME) {
    // The target may point back into the message, but its own bytes must end with the rdata.
    target = readDnsName(bytes, msgStart, rdStart, rdEnd, true);
    if (target === null) {
      return null;
    }
    if (DNS_CURSOR.pos !== rdEnd) {
      DNS_CURSOR.err = DNS_ERR_BAD_RDATA;
      return null;
    }
  }
  DNS_CURSOR.pos = rdEnd;
  return { name, type, class: cls, ttl, address, target };
}

/** Decode the message `bytes[start, end)`. Returns the message or a DNS_ERR_* code; never throws. */
export function decodeDnsMessage(bytes: Uint8Array, start: number, end: number): DnsMessage | number {
  if (end - start < 12) {
    return DNS_ERR_SHORT_HEADER;
  }
  const u16 = (o: number): number => (bytes[start + o]! << 8) | bytes[start + o + 1]!;
  const flags = u16(2);
  const qdcount = u16(4);
  const ancount = u16(6);
  const nscount = u16(8);
  const arcount = u16(10);
  let p = start + 12;
  let complete = true;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qdcount; i++) {
    if (p === end) {
      complete = false;
      break;
    }
    const name = readDnsName(bytes, start, p, end, true);
    if (name === null) {
      return DNS_CURSOR.err;
    }
    p = DNS_CURSOR.pos + 4;
    if (p > end) {
      return DNS_ERR_TRUNCATED;
    }
    questions.push({
      name,
      type: (bytes[p - 4]! << 8) | bytes[p - 3]!,
      class: (bytes[p - 2]! << 8) | bytes[p - 1]!,
    });
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; complete && i < ancount; i++) {
    if (p === end) {
      complete = false;
      break;
    }
    const r = readRecord(bytes, start, p, end);
    if (r === null) {
      return DNS_CURSOR.err;
    }
    answers.push(r);
    p = DNS_CURSOR.pos;
  }
  let authorityCount = 0;
  let additionalCount = 0;
  if (complete) {
    authorityCount = skipDnsRecords(bytes, start, p, end, nscount);
    if (authorityCount < 0) {
      return DNS_CURSOR.err;
    }
    p = DNS_CURSOR.pos;
    complete = authorityCount === nscount;
  }
  if (complete) {
    additionalCount = skipDnsRecords(bytes, start, p, end, arcount);
    if (additionalCount < 0) {
      return DNS_CURSOR.err;
    }
    complete = additionalCount === arcount;
  }
  return {
    id: u16(0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    qdcount,
    ancount,
    nscount,
    arcount,
    questions,
    answers,
    authorityCount,
    additionalCount,
    complete,
  };
}

/** What a response teaches the IP cache, as Cilium's DNS proxy extracts it. */
export interface DnsAnswerSet {
  /** The first question's name, ASCII lower-cased, without the trailing dot: every address maps to it. */
  readonly name: string;
  /** Addresses of the A/AAAA records of the chain, in answer order (4 or 16 bytes). */
  readonly addresses: Uint8Array[];
  /** Each address's own record TTL. */
  readonly ttls: number[];
  /** Cilium's TTL for the whole set: the lowest TTL of the chain's A, AAAA and CNAME records (2^32-1 if none). */
  readonly ttl: number;
  /** CNAME targets in chain order, as written (Hubble's `cnames`; not mapped to the addresses). */
  readonly cnames: string[];
  /** Whether Cilium learns from it: a response (QR=1) with RCODE 0 (NOERROR) and at least one address. */
  readonly learn: boolean;
}

/**
 * The IPs answering the question name, following CNAME chains inside the answer section, as Cilium's
 * `dnsproxy.ExtractMsgDetails` (pkg/fqdn/dnsproxy/proxy.go) does: answers are read in order and each must be
 * owned by the name the chain has reached (the question name, then each CNAME target; ASCII
 * case-insensitive). Every address is associated with the question name only (the daemon's
 * `UpdateGenerateDNS(map{qname: {IPs, TTL}})`); CNAME targets are reported, not mapped. An answer owned by
 * any other name makes ExtractMsgDetails fail, and then nothing is learned: null here, as for a message
 * without a question.
 */
export function answersFor(msg: DnsMessage): DnsAnswerSet | null {
  const q = msg.questions[0];
  if (q === undefined) {
    return null;
  }
  const name = q.name.toLowerCase();
  let chain = name;
  let ttl = 0xffffffff;
  const addresses: Uint8Array[] = [];
  const ttls: number[] = [];
  const cnames: string[] = [];
  for (const r of msg.answers) {
    if (r.name.toLowerCase() !== chain) {
      return null;
    }
    if (r.address !== null) {
      addresses.push(r.address);
      ttls.push(r.ttl);
      ttl = Math.min(ttl, r.ttl);
    } else if (r.target !== null) {
      ttl = Math.min(ttl, r.ttl);
      cnames.push(r.target);
      chain = r.target.toLowerCase();
    }
  }
  const learn = msg.qr && msg.rcode === 0 && addresses.length > 0;
  return { name, addresses, ttls, ttl, cnames, learn };
}
