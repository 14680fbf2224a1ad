/**
 * @fileoverview Hubble flows of L7 records (runtime/l7/datapath/records.ts): `Type: "L7"`,
 * `event_type.type` 129, the `l7` object, and a Summary like Hubble's. A RESPONSE flows from the server
 * to the client and is a reply, as Hubble shows the proxy's responses; L7 flows carry no drop reason
 * (a denied request is an L7 verdict, not a datapath drop).
 */

import {
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_REPLY,
} from "../context.js";
import type { L7Record } from "../l7/datapath/records.js";
import type { HubbleFlowBuilder, HubbleRecord } from "./hubble.js";

/** Hubble's `l7` object. */
export interface HubbleL7 {
  type: "REQUEST" | "RESPONSE";
  latency_ns?: string;
  http?: NonNullable<L7Record["http"]>;
  kafka?: NonNullable<L7Record["kafka"]>;
  dns?: NonNullable<L7Record["dns"]>;
}

/** The context with source and destination exchanged (a response's view). */
function swapped(ctx: Uint32Array): Uint32Array {
  const c = ctx.slice();
  c[F_SRC_IP4] = ctx[F_DST_IP4]!;
  c[F_DST_IP4] = ctx[F_SRC_IP4]!;
  c.set(ctx.subarray(F_DST_IP6, F_DST_IP6 + 4), F_SRC_IP6);
  c.set(ctx.subarray(F_SRC_IP6, F_SRC_IP6 + 4), F_DST_IP6);
  c[F_SRC_PORT] = ctx[F_DST_PORT]!;
  c[F_DST_PORT] = ctx[F_SRC_PORT]!;
  c[F_FLAGS] = ctx[F_FLAGS]! | PKT_REPLY;
  return c;
}

function summary(r: L7Record): string {
  const ms = `${Math.round((r.latencyNs ?? 0) / 1e6)}ms`;
  if (r.http !== undefined) {
    const h = r.http;
    return r.type === "REQUEST"
      ? `${h.protocol} ${h.method} ${h.url}`
      : `${h.protocol} ${h.code} ${ms} (${h.method} ${h.url})`;
  }
  if (r.kafka !== undefined) {
    const k = r.kafka;
    const what = `${k.api_key} correlation id ${k.correlation_id} topic '${k.topic}'`;
    return r.type === "REQUEST" ? `Kafka request ${what}` : `Kafka response ${what} error ${k.error_code}`;
  }
  if (r.dns !== undefined) {
    const d = r.dns;
    const q = `${d.query} ${d.qtypes.join(",")}`;
    if (r.type === "REQUEST") {
      return `DNS Query ${q}`;
    }
    return d.rcode === 0
      ? `DNS Answer "${d.ips.join(",")}" TTL: ${d.ttl} (Proxy ${q})`
      : `DNS Answer RCode: ${d.rcode} (Proxy ${q})`;
  }
  return "L7";
}

/** The Hubble record of one L7 record, with endpoints resolved by `builder`. */
export function l7FlowRecord(builder: HubbleFlowBuilder, r: L7Record): HubbleRecord {
  const ctx = r.type === "RESPONSE" ? swapped(r.ctx) : r.ctx.slice();
  ctx[F_TCP_FLAGS] = 0; // L7 flows carry no TCP flags
  const tsSec = Math.floor(r.timestampNs / 1e9);
  const rec = builder.build(
    ctx,
    new Uint8Array(0),
    r.verdict,
    0,
    0xffffffff,
    tsSec,
    r.timestampNs - tsSec * 1e9,
  );
  const flow = rec.flow;
  delete flow.drop_reason;
  delete flow.drop_reason_desc;
  flow.Type = "L7";
  flow.event_type = { type: 129 };
  const l7: HubbleL7 = { type: r.type };
  if (r.latencyNs !== undefined) {
    l7.latency_ns = String(r.latencyNs);
  }
  if (r.http !== undefined) {
    l7.http = r.http;
  }
  if (r.kafka !== undefined) {
    l7.kafka = r.kafka;
  }
  if (r.dns !== undefined) {
    l7.dns = r.dns;
  }
  flow.l7 = l7;
  flow.Summary = summary(r);
  const tcp = flow.l4?.TCP;
  if (tcp !== undefined) {
    delete tcp.flags;
  }
  return rec;
}
