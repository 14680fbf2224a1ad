// The bundled Star Wars demo through the CLI: the Kubernetes, Calico and Cilium versions of the demo
// policy give the same L3/L4 matrix (written out below from the policy: only the Death Star is isolated,
// and only Imperial ships may reach it, on TCP/80); the capture replays to the verdicts its generator
// (scripts/gen-demo-capture.ts) stages; trace answers the demo's two questions.
import { describe, expect, it } from "vitest";
import { sluice } from "../helpers/cli.js";

const D = "policies/star-wars";
const DEATHSTAR = "default/deathstar-6c94dcc57b[ReplicaSet]";
const EXPECTED_MATRIX = [
  `0.0.0.0-255.255.255.255[External] => default/tiefighter[Pod] : All Connections`,
  `0.0.0.0-255.255.255.255[External] => default/xwing[Pod] : All Connections`,
  `${DEATHSTAR} => 0.0.0.0-255.255.255.255[External] : All Connections`,
  `${DEATHSTAR} => default/tiefighter[Pod] : All Connections`,
  `${DEATHSTAR} => default/xwing[Pod] : All Connections`,
  `default/tiefighter[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections`,
  `default/tiefighter[Pod] => ${DEATHSTAR} : TCP 80`,
  `default/tiefighter[Pod] => default/xwing[Pod] : All Connections`,
  `default/xwing[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections`,
  `default/xwing[Pod] => default/tiefighter[Pod] : All Connections`,
];

describe("the Star Wars demo", () => {
  for (const dialect of ["kubernetes", "calico", "cilium"]) {
    it(`${dialect}: check passes and connlist gives the demo's matrix`, async () => {
      const check = await sluice(["check", `${D}/cluster.yaml`, `${D}/${dialect}`, "--color", "never"]);
      expect(check.code).toBe(0);
      const r = await sluice(["connlist", `${D}/cluster.yaml`, `${D}/${dialect}`]);
      expect(r.out.trim().split("\n")).toEqual(EXPECTED_MATRIX);
    });
  }

  it("replay: the X-wing's SYNs, the ping and the exhaust-port request drop; the L7 flows say why", async () => {
    const r = await sluice(["replay", `${D}/capture.pcap`, `${D}/cluster.yaml`, `${D}/cilium`, "-o", "json"]);
    const flows = r.out
      .trim()
      .split("\n")
      .map(
        (l) =>
          (
            JSON.parse(l) as {
              flow: {
                verdict: string;
                Type: string;
                source?: { pod_name?: string };
                destination?: { pod_name?: string };
                l4?: Record<string, unknown>;
                l7?: { type: string; http?: { code: number; method: string; url: string } };
              };
            }
          ).flow,
      );
    const packets = flows.filter((f) => f.Type === "L3_L4");
    expect(packets.length).toBe(22);
    const dropped = packets.filter((f) => f.verdict === "DROPPED");
    // Cilium's demo: the TIE fighter's PUT /v1/exhaust-port is refused by the HTTP rule (403).
    expect(dropped.map((f) => [f.source?.pod_name, Object.keys(f.l4 ?? {})[0]])).toEqual([
      ["xwing", "TCP"],
      ["xwing", "TCP"],
      ["tiefighter", "TCP"],
      ["tiefighter", "ICMPv4"],
    ]);
    const l7 = flows
      .filter((f) => f.Type === "L7")
      .map((f) => `${f.l7?.type} ${f.verdict} ${f.l7?.http?.method} ${f.l7?.http?.url} ${f.l7?.http?.code}`);
    expect(l7).toEqual([
      "REQUEST FORWARDED POST http://deathstar.default.svc.cluster.local/v1/request-landing 0",
      "REQUEST DROPPED PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port 0",
      "RESPONSE DROPPED PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port 403",
    ]);
  });

  it("trace resolves a Deployment's name to its ReplicaSet's pods", async () => {
    const r = await sluice([
      "trace",
      `${D}/cluster.yaml`,
      `${D}/cilium`,
      "--from",
      "default/tiefighter",
      "--to",
      "default/deathstar",
      "--port",
      "80",
      "-o",
      "json",
    ]);
    const t = JSON.parse(r.out) as { verdict: string; destination: { workload: string } };
    expect(t.destination.workload).toBe("default/deathstar-6c94dcc57b[ReplicaSet]");
    expect(t.verdict).toBe("ALLOWED");
  });

  it("trace: the TIE fighter may land, the X-wing may not", async () => {
    const args = [
      `${D}/cluster.yaml`,
      `${D}/cilium`,
      "--to",
      "default/deathstar-6c94dcc57b-ssqjd",
      "--port",
      "80",
      "--exit-code",
      "-o",
      "json",
    ];
    const tie = await sluice(["trace", ...args, "--from", "default/tiefighter"]);
    expect(tie.code).toBe(0);
    expect((JSON.parse(tie.out) as { verdict: string }).verdict).toBe("ALLOWED");
    const xwing = await sluice(["trace", ...args, "--from", "default/xwing"]);
    expect(xwing.code).toBe(1);
    const t = JSON.parse(xwing.out) as {
      verdict: string;
      ingress: { decision: string; rules: { name: string; decided: boolean }[] };
    };
    expect(t.verdict).toBe("DENIED");
    expect(t.ingress.decision).toBe("denied");
    expect(t.ingress.rules.filter((x) => x.decided).map((x) => x.name)).toEqual(["rule1"]);
  });
});
