/**
 * @fileoverview The L7 datapath end to end for HTTP/1.1: a Cilium policy with HTTP rules compiled over a
 * cluster, connections driven packet by packet through the engine (both backends), every packet's
 * verdict and the L7 records checked against Cilium's semantics (cilium.md §1.9: whole-string regexes,
 * denied requests answered 403; the verdict model in runtime/l7/datapath/datapath.ts: bytes held by the
 * proxy stay REDIRECTED, the packet completing a request carries its decision, a body carries its
 * request's decision). Every case runs over IPv4 and IPv6.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../../compiler/compile.js";
import { Engine } from "../../../runtime/engine/engine.js";
import type { EngineOptions } from "../../../runtime/engine/engine.js";
import type { L7Record } from "../../../runtime/l7/datapath/records.js";
import { clusterYaml, compileFiles } from "../../cilium/helpers.js";
import { Conversation, verdictOf } from "../../helpers/tcp-conversation.js";

const CLUSTER = clusterYaml([
  { name: "my-service", labels: { app: "myService" }, ips: ["10.244.0.10", "fd00:10:244::10"] },
  { name: "frontend", labels: { role: "frontend" }, ips: ["10.244.0.12", "fd00:10:244::12"] },
]);

const POLICY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: http-rules, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: myService}}
  ingress:
  - fromEndpoints: [{matchLabels: {role: frontend}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules:
        http:
        - {method: GET, path: "/public.*"}
        - {method: POST, path: "/upload"}
`;

const bundle = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": POLICY }).bytes!;

/** The same policy compiled in audit mode. */
function auditBundle(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "sluice-l7-audit-"));
  writeFileSync(join(dir, "cluster.yaml"), CLUSTER);
  writeFileSync(join(dir, "policy.yaml"), POLICY);
  return compile([dir], { cni: "cilium", audit: true }).bytes!;
}

const FAMILIES = [
  { name: "IPv4", client: "10.244.0.12", server: "10.244.0.10" },
  { name: "IPv6", client: "fd00:10:244::12", server: "fd00:10:244::10" },
];

async function engineFor(
  backend: "interp" | "wasm",
  records: L7Record[],
  extra: EngineOptions = {},
): Promise<Engine> {
  return Engine.loadAsync(bundle, { backend, onL7Record: (r) => records.push(r), ...extra });
}

describe.each(FAMILIES)("HTTP/1.1 through the L7 datapath ($name)", ({ client, server }) => {
  describe.each(["interp", "wasm"] as const)("backend %s", (backend) => {
    it("holds the handshake, forwards an allowed request, drops a denied one and records 403", async () => {
      const records: L7Record[] = [];
      const e = await engineFor(backend, records);
      const c = new Conversation(e, client, 40000, server, 80);
      // SYN and the client's ACK go to the proxy; the SYN-ACK is a reply of a tracked connection.
      expect(c.handshake()).toEqual(["REDIRECTED", "FORWARDED", "REDIRECTED"]);
      expect(verdictOf(c.send("GET /public/index.html HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("FORWARDED");
      expect(verdictOf(c.reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))).toBe("FORWARDED");
      expect(verdictOf(c.send("GET /private HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("DROPPED");
      // `/public.*` must match the whole path: a method mismatch denies too.
      expect(verdictOf(c.send("DELETE /public/x HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("DROPPED");
      const summary = records.map(
        (r) => `${r.type} ${r.verdict} ${r.http?.code} ${r.http?.method} ${r.http?.url}`,
      );
      expect(summary).toEqual([
        "REQUEST 1 0 GET http://svc/public/index.html",
        "REQUEST 2 0 GET http://svc/private",
        "RESPONSE 2 403 GET http://svc/private",
        "REQUEST 2 0 DELETE http://svc/public/x",
        "RESPONSE 2 403 DELETE http://svc/public/x",
      ]);
      expect(e.counters().l7).toMatchObject({ requests: 3, allowed: 1, denied: 2 });
    });

    it("decides a request split over segments on the packet that completes its header", async () => {
      const e = await engineFor(backend, []);
      const c = new Conversation(e, client, 40001, server, 80);
      c.handshake();
      const req = "GET /public/a HTTP/1.1\r\nHost: svc\r\nUser-Agent: t\r\n\r\n";
      expect(c.sendSplit(req, [1, 20, 40])).toEqual(["REDIRECTED", "REDIRECTED", "REDIRECTED", "FORWARDED"]);
      const denied = "GET /admin HTTP/1.1\r\nHost: svc\r\n\r\n";
      expect(c.sendSplit(denied, [10])).toEqual(["REDIRECTED", "DROPPED"]);
    });

    it("carries a request's decision over its body, and drops a segment holding any denied request", async () => {
      const e = await engineFor(backend, []);
      const c = new Conversation(e, client, 40002, server, 80);
      c.handshake();
      const body = "x".repeat(30);
      const post = `POST /upload HTTP/1.1\r\nHost: svc\r\nContent-Length: ${body.length}\r\n\r\n`;
      expect(verdictOf(c.send(post))).toBe("FORWARDED");
      expect(c.sendSplit(body, [10, 20])).toEqual(["FORWARDED", "FORWARDED", "FORWARDED"]);
      const badPost = `POST /elsewhere HTTP/1.1\r\nHost: svc\r\nContent-Length: ${body.length}\r\n\r\n`;
      expect(verdictOf(c.send(badPost))).toBe("DROPPED");
      expect(c.sendSplit(body, [15])).toEqual(["DROPPED", "DROPPED"]);
      // Pipelined: an allowed and a denied request in one segment; the segment carries both.
      const two = "GET /public/1 HTTP/1.1\r\nHost: svc\r\n\r\nGET /secret HTTP/1.1\r\nHost: svc\r\n\r\n";
      expect(verdictOf(c.send(two))).toBe("DROPPED");
      // Chunked body of an allowed upload.
      const chunked = "POST /upload HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n";
      expect(verdictOf(c.send(chunked))).toBe("FORWARDED");
      expect(c.sendSplit("5\r\nhello\r\n0\r\n\r\n", [4])).toEqual(["FORWARDED", "FORWARDED"]);
      expect(verdictOf(c.send("GET /public/after HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("FORWARDED");
    });

    it("holds an out-of-order segment until the gap fills; a retransmit repeats the last verdict", async () => {
      const e = await engineFor(backend, []);
      const c = new Conversation(e, client, 40003, server, 80);
      c.handshake();
      const req = new TextEncoder().encode("GET /private/x HTTP/1.1\r\nHost: svc\r\n\r\n");
      const first = c.clientSeq;
      expect(verdictOf(c.send(req.subarray(12), first + 12))).toBe("REDIRECTED");
      expect(verdictOf(c.send(req.subarray(0, 12), first))).toBe("DROPPED");
      c.clientSeq = first + req.length;
      expect(verdictOf(c.send(req, first))).toBe("DROPPED"); // the retransmit of the denied request
      expect(e.counters().l7).toMatchObject({ outOfOrder: 1, retransmits: 1 });
    });

    it("drops the rest of a connection the decoder refuses, with the L7 protocol-error reason", async () => {
      const e = await engineFor(backend, []);
      const c = new Conversation(e, client, 40004, server, 80);
      c.handshake();
      expect(verdictOf(c.send("NOT HTTP AT ALL\r\n\r\n"))).toBe("DROPPED SLUICE_L7_PROTOCOL_ERROR");
      expect(verdictOf(c.send("GET /public/x HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe(
        "DROPPED SLUICE_L7_PROTOCOL_ERROR",
      );
      expect(verdictOf(c.fin())).toBe("REDIRECTED");
      expect(e.counters().l7).toMatchObject({ malformed: 1 });
    });

    it("stops a connection whose out-of-order data exceeds the reassembly limit", async () => {
      const e = await engineFor(backend, [], { l7: { reassemblyBytesPerFlow: 64 } });
      const c = new Conversation(e, client, 40005, server, 80);
      c.handshake();
      expect(verdictOf(c.send("x".repeat(60), c.clientSeq + 10))).toBe("REDIRECTED");
      expect(verdictOf(c.send("y".repeat(10), c.clientSeq + 70))).toBe("DROPPED SLUICE_L7_LIMIT");
      expect(verdictOf(c.send("GET /public/x HTTP/1.1\r\n\r\n"))).toBe("DROPPED SLUICE_L7_LIMIT");
      expect(e.counters().l7).toMatchObject({ limited: 1 });
    });

    it("audit mode audits L3/L4 only: the L7 rules still deny (Cilium's policy audit mode)", async () => {
      const e = await Engine.loadAsync(auditBundle(), { backend });
      const c = new Conversation(e, client, 40007, server, 80);
      c.handshake();
      expect(verdictOf(c.send("GET /public/a HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("FORWARDED");
      expect(verdictOf(c.send("GET /private HTTP/1.1\r\nHost: svc\r\n\r\n"))).toBe("DROPPED");
      const stranger = server.includes(":") ? "fd00:10:244::99" : "10.244.0.99";
      expect(new Conversation(e, stranger, 40008, server, 80).handshake()[0]).toBe("AUDIT");
    });

    it("does not inspect a port without L7 rules, and drops peers the L3 policy does not allow", async () => {
      const e = await engineFor(backend, []);
      const other = new Conversation(
        e,
        server === "10.244.0.10" ? "10.244.0.99" : "fd00:10:244::99",
        40006,
        server,
        80,
      );
      expect(other.handshake()[0]).toBe("DROPPED POLICY_DENIED");
    });
  });
});
