/**
 * @fileoverview The datapath's compiled rule sets (runtime/l7/compiled-set.ts) decide exactly as
 * `evaluateL7` (runtime/l7/match.ts, which trace uses): same allowing rule or same denial, for random
 * HTTP, Kafka and DNS requests against the rule sets of a policy with HTTP (methods, paths, hosts,
 * headers, a header with a mismatch action), Kafka (roles, api keys, topics, client ids) and DNS rules.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileL7Set } from "../../runtime/l7/compiled-set.js";
import { readL7RuleSets } from "../../runtime/l7/decode.js";
import { evaluateL7 } from "../../runtime/l7/match.js";
import { compileFiles } from "../cilium/helpers.js";
import { SERVER_CLIENT_CLUSTER, serverIngressPolicy } from "../helpers/l7-policy.js";

const CLUSTER = SERVER_CLIENT_CLUSTER;

const POLICY = `${serverIngressPolicy(`    - ports: [{port: "80", protocol: TCP}]
      rules:
        http:
        - {method: "GET|HEAD", path: "/public/.*"}
        - {method: POST, path: "/api/v[0-9]+/orders", host: "shop\\\\.example"}
        - {path: "/admin", headers: ["X-Admin: yes", "X-Trace"]}
        - {method: PUT, headerMatches: [{name: X-Log, value: "1", mismatch: LOG}]}
    - ports: [{port: "9092", protocol: TCP}]
      rules:
        kafka:
        - {role: produce, topic: orders}
        - {apiKey: fetch, topic: audit, clientID: auditor}
        - {apiKey: metadata}
        - {role: consume, topic: payments, apiVersion: "4"}
`)}---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: dns, namespace: default}
spec:
  endpointSelector: {matchLabels: {role: client}}
  egress:
  - toEndpoints: [{matchLabels: {app: server}}]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules:
        dns: [{matchPattern: "*.example.com"}, {matchName: "api.github.com"}, {matchPattern: "**.internal"}]
`;

const sets = readL7RuleSets(compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": POLICY }).bundle!).sets;

const http = fc.record({
  kind: fc.constant("http" as const),
  method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "get"),
  path: fc.constantFrom(
    "/public/a",
    "/public",
    "/api/v1/orders",
    "/api/vx/orders",
    "/admin",
    "/admin/x",
    "/",
  ),
  host: fc.constantFrom("shop.example", "shopXexample", "", "other"),
  headers: fc.subarray([
    ["X-Admin", "yes"] as const,
    ["x-admin", "no"] as const,
    ["X-Trace", "1"] as const,
    ["X-Log", "0"] as const,
  ]),
});

const kafka = fc.record({
  kind: fc.constant("kafka" as const),
  apiKey: fc.integer({ min: 0, max: 40 }),
  apiVersion: fc.integer({ min: 0, max: 12 }),
  clientId: fc.constantFrom("auditor", "shop", ""),
  topics: fc.subarray(["orders", "audit", "payments", "other"]),
  topicsUnresolved: fc.constantFrom(0, 0, 1),
});

const dns = fc.record({
  kind: fc.constant("dns" as const),
  name: fc.constantFrom(
    "www.example.com",
    "a.b.example.com",
    "example.com",
    "API.GitHub.com.",
    "x.y.internal",
    "internal",
  ),
});

describe("compiled L7 rule sets", () => {
  it("the policy has one set of each kind", () => {
    expect(sets.map((s) => s.kind).sort()).toEqual(["dns", "http", "kafka"]);
  });

  it("decide as evaluateL7 for random requests", () => {
    const deciders = sets.map(compileL7Set);
    fc.assert(
      fc.property(fc.oneof(http, kafka, dns), (req) => {
        sets.forEach((set, i) => {
          const d = evaluateL7(set, req);
          const rule = deciders[i]!(req);
          expect(rule ?? undefined).toBe(d.decision === "allowed" ? d.rule : undefined);
        });
      }),
      { numRuns: 3000 },
    );
  });
});
