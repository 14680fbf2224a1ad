/**
 * @fileoverview Corpus captures replayed through Cilium L7 policies: the HTTP/1.1 request of
 * deepflow_httpv1.pcap (POST /query?1590632942, Host rq.cct.cloud.duba.net, per the capture's .result
 * file) and the two DNS-over-TCP queries of deepflow_dns.pcap (guoyongxin.com, yunshan.net.cn). Both
 * captures start mid-connection (no handshake); the first payload of a connection starts its stream.
 * Skips with a notice when the corpus is absent.
 */

import { describe, expect, it } from "vitest";
import { Engine } from "../../../runtime/engine/engine.js";
import type { L7Record } from "../../../runtime/l7/datapath/records.js";
import { readCaptureFile } from "../../helpers/captures.js";
import { corpusPath, haveCorpus } from "../../helpers/corpus.js";
import { clusterYaml, compileFiles } from "../../cilium/helpers.js";

const CLUSTER = clusterYaml([
  { name: "browser", labels: { app: "browser" }, ips: ["10.33.0.31", "fd00:33::31"] },
  { name: "resolver-client", labels: { app: "resolver-client" }, ips: ["10.33.49.23", "fd00:33::23"] },
  {
    name: "coredns",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ips: ["10.33.0.1", "fd00:33::1"],
  },
]);

const httpPolicy = (method: string): string => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: browser, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: browser}}
  egress:
  - toCIDR: [120.52.183.0/24]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules: {http: [{method: ${method}, path: "/query.*"}]}
`;

const DNS_POLICY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: resolver, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: resolver-client}}
  egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules: {dns: [{matchPattern: "*.net.cn"}]}
`;

function replay(policy: string, capture: string): { verdicts: string[]; records: L7Record[] } {
  const bundle = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": policy }).bytes!;
  const records: L7Record[] = [];
  const e = Engine.load(bundle, { onL7Record: (r) => records.push(r) });
  const verdicts = readCaptureFile(corpusPath(`pcaps/${capture}`)).map(
    (p) => e.process(p.data, { timestampNs: p.timestampNs, linkType: p.linkType }).verdictName,
  );
  return { verdicts, records };
}

describe.skipIf(!haveCorpus("pcaps"))("corpus captures through L7 policies", () => {
  it("deepflow_httpv1: the POST is forwarded by a POST rule and dropped (403) by a GET rule", () => {
    const allowed = replay(httpPolicy("POST"), "deepflow_httpv1.pcap");
    expect(allowed.verdicts).toEqual(["FORWARDED", "FORWARDED"]); // request, then the server's reply
    expect(allowed.records.map((r) => `${r.type} ${r.http?.method} ${r.http?.url} ${r.http?.code}`)).toEqual([
      "REQUEST POST http://rq.cct.cloud.duba.net/query?1590632942 0",
    ]);
    const denied = replay(httpPolicy("GET"), "deepflow_httpv1.pcap");
    expect(denied.verdicts[0]).toBe("DROPPED");
    expect(denied.records.map((r) => `${r.type} ${r.http?.code}`)).toEqual(["REQUEST 0", "RESPONSE 403"]);
  });

  it("deepflow_dns: the query for yunshan.net.cn passes `*.net.cn`, guoyongxin.com is refused", () => {
    const { verdicts, records } = replay(DNS_POLICY, "deepflow_dns.pcap");
    // Capture order: query guoyongxin.com, its answer, query yunshan.net.cn, its answer.
    expect(verdicts).toEqual(["DROPPED", "FORWARDED", "FORWARDED", "FORWARDED"]);
    expect(records.map((r) => `${r.type} ${r.dns?.query} ${r.dns?.rcode}`)).toEqual([
      "REQUEST guoyongxin.com. 0",
      "RESPONSE guoyongxin.com. 5",
      "REQUEST yunshan.net.cn. 0",
      "RESPONSE yunshan.net.cn. 0",
    ]);
  });
});
