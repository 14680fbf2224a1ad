/**
 * @fileoverview Calico HTTP matches (application layer policy) through the L7 datapath. A rule with
 * `http` matches a request only when its method and path match (methods OR'ed, paths OR'ed, the two
 * AND'ed; `exact` and `prefix` paths; calico.md §3 rule fields); a request it refuses falls through to
 * the rules after it — a plain Allow on the same port allows it, a Deny or the tier's end denies it.
 * Connections driven packet by packet through the engine, IPv4 and IPv6.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { Engine } from "../../runtime/engine/engine.js";
import { Conversation, verdictOf } from "../helpers/tcp-conversation.js";

const CLUSTER = `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: prod, labels: { app: web } }
status: { podIPs: [ { ip: 10.0.0.10 }, { ip: "fd00::10" } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: prod, labels: { app: client } }
status: { podIPs: [ { ip: 10.0.0.30 }, { ip: "fd00::30" } ] }
`;

const gnp = (rules: string): string => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: web-http }
spec:
  selector: app == 'web'
  types: [Ingress]
  ingress:
${rules}`;

const HTTP_RULE = `    - action: Allow
      protocol: TCP
      source: { selector: app == 'client' }
      destination: { ports: [80] }
      http:
        methods: [GET, HEAD]
        paths: [ { prefix: /public }, { exact: /healthz } ]
`;

function engineFor(policy: string): Engine {
  const dir = mkdtempSync(join(tmpdir(), "sluice-calico-http-"));
  writeFileSync(join(dir, "all.yaml"), `${CLUSTER}---\n${policy}`);
  return Engine.load(compile([dir], { cni: "calico" }).bytes);
}

/** The verdict of each request, one connection per request. */
function requests(policy: string, v6: boolean, lines: readonly string[]): string[] {
  const e = engineFor(policy);
  return lines.map((line, i) => {
    const c = new Conversation(
      e,
      v6 ? "fd00::30" : "10.0.0.30",
      41000 + i,
      v6 ? "fd00::10" : "10.0.0.10",
      80,
    );
    c.handshake();
    return verdictOf(c.send(`${line} HTTP/1.1\r\nHost: web\r\n\r\n`));
  });
}

describe.each([false, true])("Calico HTTP match (IPv6 %s)", (v6) => {
  it("methods OR'ed, paths OR'ed (prefix and exact), AND'ed together; the tier's end denies the rest", () => {
    expect(
      requests(gnp(HTTP_RULE), v6, [
        "GET /public/index.html",
        "HEAD /publicity",
        "GET /healthz",
        "GET /healthz/deep",
        "POST /public/form",
        "GET /private",
      ]),
    ).toEqual(["FORWARDED", "FORWARDED", "FORWARDED", "DROPPED", "DROPPED", "DROPPED"]);
  });

  it("a refused request falls through: a later plain Allow on the port allows it, a later Deny denies it", () => {
    const allowAfter = `${HTTP_RULE}    - action: Allow
      protocol: TCP
      destination: { ports: [80] }
`;
    expect(requests(gnp(allowAfter), v6, ["GET /public/a", "POST /anything"])).toEqual([
      "FORWARDED",
      "FORWARDED",
    ]);
    const denyAfter = `${HTTP_RULE}    - action: Deny
      protocol: TCP
      destination: { ports: [80] }
`;
    expect(requests(gnp(denyAfter), v6, ["GET /public/a", "POST /anything"])).toEqual([
      "FORWARDED",
      "DROPPED",
    ]);
  });
});
