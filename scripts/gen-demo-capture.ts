/**
 * @fileoverview Generates policies/star-wars/capture.pcap: the traffic of Cilium's Star Wars demo, for
 * `npm start` (sluice demo) to replay through the demo policies. Deterministic (fixed times, ports and
 * sequence numbers). Run: npx tsx scripts/gen-demo-capture.ts
 *
 * Conversations:
 *   1. tiefighter lands: TCP handshake to a deathstar pod, POST /v1/request-landing, 200, close.
 *   2. xwing tries to land: SYN to the other deathstar pod, and its retransmission one second later.
 *   3. tiefighter calls PUT /v1/exhaust-port (allowed at L3/L4; the L7 rule refuses the request).
 *   4. xwing opens a connection to tiefighter (no policy selects tiefighter).
 *   5. xwing asks an outside resolver a DNS question (no egress policy).
 *   6. tiefighter pings a deathstar pod (only TCP/80 is allowed there).
 */

import { writeFileSync } from "node:fs";
import { icmpPkt, tcpPkt, udpPkt } from "../runtime/packet/craft.js";
import { PcapWriter } from "../runtime/pcap/index.js";

const DEATHSTAR1 = "10.244.1.10";
const DEATHSTAR2 = "10.244.1.11";
const TIEFIGHTER = "10.244.1.20";
const XWING = "10.244.1.30";

const writer = new PcapWriter({ linkType: 1, precision: "ns" });
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0) / 1000;
let clock = 0; // microseconds since T0
const emit = (frame: Uint8Array, stepUs = 150): void => {
  clock += stepUs;
  writer.write({ data: frame, tsSec: T0 + Math.floor(clock / 1e6), tsNsec: (clock % 1e6) * 1000 });
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A whole TCP exchange: handshake, one request, one response, FIN both ways. */
function exchange(client: string, cport: number, server: string, request: string, response: string): void {
  const c = `${client}:${cport}`;
  const s = `${server}:80`;
  const req = text(request);
  const resp = text(response);
  let cs = 1000;
  let ss = 5000;
  emit(tcpPkt(c, s, { flags: "S", seq: cs }));
  emit(tcpPkt(s, c, { flags: "SA", seq: ss, ack: cs + 1 }));
  cs += 1;
  ss += 1;
  emit(tcpPkt(c, s, { flags: "A", seq: cs, ack: ss }));
  emit(tcpPkt(c, s, { flags: "PA", seq: cs, ack: ss, payload: req }));
  cs += req.length;
  emit(tcpPkt(s, c, { flags: "PA", seq: ss, ack: cs, payload: resp }), 900);
  ss += resp.length;
  emit(tcpPkt(c, s, { flags: "FA", seq: cs, ack: ss }));
  emit(tcpPkt(s, c, { flags: "FA", seq: ss, ack: cs + 1 }));
  emit(tcpPkt(c, s, { flags: "A", seq: cs + 1, ack: ss + 1 }));
}

const host = "Host: deathstar.default.svc.cluster.local\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n";
exchange(
  TIEFIGHTER,
  41000,
  DEATHSTAR1,
  `POST /v1/request-landing HTTP/1.1\r\n${host}\r\n`,
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nShip landed\n",
);
emit(tcpPkt(`${XWING}:42000`, `${DEATHSTAR2}:80`, { flags: "S", seq: 7000 }), 20_000);
emit(tcpPkt(`${XWING}:42000`, `${DEATHSTAR2}:80`, { flags: "S", seq: 7000 }), 1_000_000);
exchange(
  TIEFIGHTER,
  41001,
  DEATHSTAR2,
  `PUT /v1/exhaust-port HTTP/1.1\r\n${host}\r\n`,
  "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
);
emit(tcpPkt(`${XWING}:43000`, `${TIEFIGHTER}:8080`, { flags: "S", seq: 9000 }), 5000);
emit(tcpPkt(`${TIEFIGHTER}:8080`, `${XWING}:43000`, { flags: "SA", seq: 3000, ack: 9001 }));
const query = new Uint8Array([
  0x12,
  0x34,
  1,
  0,
  0,
  1,
  0,
  0,
  0,
  0,
  0,
  0,
  9,
  ...text("deathstar"),
  6,
  ...text("empire"),
  0,
  0,
  1,
  0,
  1,
]);
emit(udpPkt(`${XWING}:53000`, "1.1.1.1:53", { payload: query }), 5000);
emit(icmpPkt(TIEFIGHTER, DEATHSTAR1, { type: 8, id: 77, seq: 1 }), 5000);

writeFileSync(new URL("../policies/star-wars/capture.pcap", import.meta.url), writer.toBytes());
console.log("wrote policies/star-wars/capture.pcap");
