// Hubble filter flags over hand-made flow records: each flag, OR within a flag, AND across flags,
// `--not` into the deny list, either-side flags, conflicts, and the errors hubble observe gives.
import { describe, expect, it } from "vitest";
import { buildFilterLists } from "../../cli/filters/flags.js";
import { compileFilterLists, compileFlowFilter } from "../../cli/filters/flow-filter.js";
import type { FilterFlow } from "../../cli/filters/flow-filter.js";
import { parseLabelSelector } from "../../cli/filters/labels.js";

const web: FilterFlow = {
  verdict: "FORWARDED",
  IP: { source: "10.1.0.20", destination: "10.1.0.10" },
  l4: { TCP: { source_port: 40000, destination_port: 8080, flags: { SYN: true } } },
  source: { identity: 256, namespace: "shop", pod_name: "client-7d9f", labels: ["k8s:app=client"] },
  destination: {
    identity: 257,
    namespace: "shop",
    pod_name: "web-0",
    labels: ["k8s:app=web", "k8s:tier=front"],
  },
  event_type: { type: 4 },
  traffic_direction: "INGRESS",
};
const dns: FilterFlow = {
  verdict: "DROPPED",
  IP: { source: "10.1.0.30", destination: "10.96.0.10" },
  l4: { UDP: { source_port: 5353, destination_port: 53 } },
  source: { identity: 258, namespace: "default", pod_name: "batch-1", labels: ["k8s:app=batch"] },
  destination: { identity: 2, labels: ["reserved:world"] },
  event_type: { type: 1, sub_type: 133 },
  drop_reason_desc: "POLICY_DENIED",
  traffic_direction: "EGRESS",
};
const ping: FilterFlow = {
  verdict: "FORWARDED",
  IP: { source: "fd00::1", destination: "fd00::2" },
  l4: { ICMPv6: { type: 128, code: 0 } },
  event_type: { type: 4, sub_type: 11 },
};
const http: FilterFlow = {
  ...web,
  event_type: { type: 129 },
  l7: { http: { method: "PUT", url: "http://web.shop.svc/api/v1/items?x=1" } },
};
const flows = { web, dns, ping, http };

/** Names of the flows a command line keeps. */
function kept(...args: string[]): string[] {
  const events: { name: string; value?: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    const short: Record<string, string> = { "-t": "type", "-l": "label" };
    const name = short[args[i]!] ?? args[i]!.replace(/^--/, "");
    if (name === "not") {
      events.push({ name });
    } else {
      events.push({ name, value: args[++i]! });
    }
  }
  const { allowlist, denylist } = buildFilterLists(events);
  const keep = compileFilterLists(allowlist, denylist);
  return Object.entries(flows)
    .filter(([, f]) => keep(f))
    .map(([n]) => n);
}

describe("filter flags, one at a time", () => {
  it("--verdict matches the verdict name (case-insensitive), rejects unknown ones", () => {
    expect(kept("--verdict", "DROPPED")).toEqual(["dns"]);
    expect(kept("--verdict", "forwarded")).toEqual(["web", "ping", "http"]);
    expect(() => kept("--verdict", "ALLOWED")).toThrow("invalid --verdict value: ALLOWED");
  });

  it("--pod, --from-pod, --to-pod: [ns/]name prefix, namespace default", () => {
    expect(kept("--from-pod", "shop/client")).toEqual(["web", "http"]);
    expect(kept("--to-pod", "shop/web")).toEqual(["web", "http"]);
    expect(kept("--to-pod", "web")).toEqual([]); // namespace default
    expect(kept("--pod", "batch")).toEqual(["dns"]); // default/batch-1 as source
    expect(kept("--pod", "shop/")).toEqual(["web", "http"]);
    expect(() => kept("--pod", "/web")).toThrow("must be [namespace/]<pod-name>");
  });

  it("--ip, --from-ip, --to-ip: exact addresses or CIDRs, v4 and v6", () => {
    expect(kept("--from-ip", "10.1.0.20")).toEqual(["web", "http"]);
    expect(kept("--to-ip", "10.96.0.0/12")).toEqual(["dns"]);
    expect(kept("--ip", "10.1.0.10")).toEqual(["web", "http"]);
    expect(kept("--ip", "fd00::/64")).toEqual(["ping"]);
    expect(kept("--ip", "fd00:0::2")).toEqual(["ping"]);
    expect(() => kept("--ip", "10.1.0")).toThrow('invalid IP address in filter: "10.1.0"');
    expect(() => kept("--ip", "10.1.0.0/33")).toThrow("invalid CIDR in filter");
  });

  it("--label, --from-label, --to-label: key=value, sources, reserved:world", () => {
    expect(kept("--to-label", "app=web")).toEqual(["web", "http"]);
    expect(kept("--to-label", "k8s:app=web,tier=front")).toEqual(["web", "http"]);
    expect(kept("--to-label", "reserved:world")).toEqual(["dns"]);
    expect(kept("--from-label", "app in (batch, client)")).toEqual(["web", "dns", "http"]);
    expect(kept("-l", "app=batch")).toEqual(["dns"]);
    expect(kept("--label", "reserved:world")).toEqual(["dns"]);
  });

  it("--port, --from-port, --to-port: TCP, UDP and SCTP ports only", () => {
    expect(kept("--to-port", "53")).toEqual(["dns"]);
    expect(kept("--from-port", "40000")).toEqual(["web", "http"]);
    expect(kept("--port", "8080")).toEqual(["web", "http"]);
    expect(() => kept("--port", "http")).toThrow('invalid port "http"');
  });

  it("--protocol: tcp, udp, icmp (both families), icmpv6; l7 names; unknown rejected", () => {
    expect(kept("--protocol", "tcp")).toEqual(["web", "http"]);
    expect(kept("--protocol", "UDP")).toEqual(["dns"]);
    expect(kept("--protocol", "icmp")).toEqual(["ping"]);
    expect(kept("--protocol", "icmpv4")).toEqual([]);
    expect(kept("--protocol", "icmpv6")).toEqual(["ping"]);
    expect(kept("--protocol", "sctp")).toEqual([]);
    expect(kept("--protocol", "http")).toEqual(["http"]);
    expect(() => kept("--protocol", "gre")).toThrow("unknown protocol in filter: gre");
  });

  it("-t/--type: event type names and numbers, with trace sub-types", () => {
    expect(kept("-t", "drop")).toEqual(["dns"]);
    expect(kept("--type", "trace")).toEqual(["web", "ping"]);
    expect(kept("--type", "trace:to-network")).toEqual(["ping"]);
    expect(kept("--type", "trace:to-endpoint")).toEqual(["web"]);
    expect(kept("--type", "l7")).toEqual(["http"]);
    expect(kept("--type", "1:133")).toEqual(["dns"]);
    expect(kept("--type", "policy-verdict")).toEqual([]);
    expect(() => kept("--type", "bogus")).toThrow("unable to parse type 'bogus'");
  });

  it("--http-method and --http-path match L7 records only", () => {
    expect(kept("--http-method", "put")).toEqual(["http"]);
    expect(kept("--http-path", "^/api/v[0-9]+/")).toEqual(["http"]);
    expect(kept("--http-path", "items\\?")).toEqual([]); // the path, not the query
    expect(() => kept("--http-path", "(")).toThrow("failed to compile regex");
  });

  it("--traffic-direction and --drop-reason-desc", () => {
    expect(kept("--traffic-direction", "egress")).toEqual(["dns"]);
    expect(kept("--drop-reason-desc", "POLICY_DENIED")).toEqual(["dns"]);
    expect(() => kept("--traffic-direction", "up")).toThrow("invalid --traffic-direction value");
  });
});

describe("combining filters", () => {
  it("values of one flag are OR'ed, different flags AND'ed", () => {
    expect(kept("--verdict", "DROPPED", "--verdict", "FORWARDED")).toEqual(["web", "dns", "ping", "http"]);
    expect(kept("--verdict", "FORWARDED", "--protocol", "tcp")).toEqual(["web", "http"]);
    expect(kept("--verdict", "FORWARDED", "--protocol", "udp")).toEqual([]);
    expect(kept("--to-port", "53", "--to-port", "8080", "--verdict", "DROPPED")).toEqual(["dns"]);
  });

  it("either-side flags pair up: --pod with --port means the same side", () => {
    // left: source pod shop/client + source port 8080; right: destination pod + destination port 8080.
    expect(kept("--pod", "shop/client", "--port", "8080")).toEqual([]);
    expect(kept("--pod", "shop/web", "--port", "8080")).toEqual(["web", "http"]);
    const lists = buildFilterLists([
      { name: "pod", value: "shop/web" },
      { name: "verdict", value: "FORWARDED" },
    ]);
    expect(lists.allowlist).toEqual([
      { source_pod: ["shop/web"], verdict: ["FORWARDED"] },
      { destination_pod: ["shop/web"], verdict: ["FORWARDED"] },
    ]);
  });

  it("--not sends the next flag to the deny list; two --not exclude both", () => {
    expect(kept("--not", "--verdict", "DROPPED")).toEqual(["web", "ping", "http"]);
    expect(kept("--not", "--http-method", "put", "--not", "--http-method", "get")).toEqual([
      "web",
      "dns",
      "ping",
    ]);
    expect(kept("--protocol", "tcp", "--not", "--type", "l7")).toEqual(["web"]);
    expect(kept("--not", "--ip", "10.1.0.10")).toEqual(["dns", "ping"]);
    // The deny list is one filter as well: negated flags of different names are AND'ed within it.
    expect(kept("--not", "--verdict", "FORWARDED", "--not", "--protocol", "tcp")).toEqual(["dns", "ping"]);
    const lists = buildFilterLists([
      { name: "not" },
      { name: "verdict", value: "DROPPED" },
      { name: "protocol", value: "udp" },
    ]);
    expect(lists).toEqual({ allowlist: [{ protocol: ["udp"] }], denylist: [{ verdict: ["DROPPED"] }] });
  });

  it("a trailing --not, or two in a row, is an error", () => {
    expect(() => kept("--verdict", "DROPPED", "--not")).toThrow("trailing --not found in the arguments");
    expect(() => kept("--not", "--not", "--verdict", "DROPPED")).toThrow("consecutive --not statements");
  });

  it("conflicting flags in one list are rejected, as hubble rejects them", () => {
    expect(() => kept("--label", "app=web", "--to-label", "app=db")).toThrow(
      "filters --label and --to-label cannot be combined",
    );
    expect(() => kept("--from-ip", "10.0.0.1", "--from-pod", "shop/web")).toThrow("cannot be combined");
    // The same flags on different lists do not conflict.
    expect(kept("--port", "8080", "--not", "--to-port", "53")).toEqual(["web", "http"]);
  });

  it("an empty filter matches everything; no filters keep everything", () => {
    expect(compileFlowFilter({})(dns)).toBe(true);
    expect(kept()).toEqual(["web", "dns", "ping", "http"]);
  });
});

describe("label selectors", () => {
  it("supports !key, !=, notin, and source prefixes", () => {
    const labels = ["k8s:app=web", "reserved:host"];
    expect(parseLabelSelector("!tier")(labels)).toBe(true);
    expect(parseLabelSelector("app!=db")(labels)).toBe(true);
    expect(parseLabelSelector("app notin (web)")(labels)).toBe(false);
    expect(parseLabelSelector("any:app==web")(labels)).toBe(true);
    expect(parseLabelSelector("reserved:app=web")(labels)).toBe(false);
    expect(parseLabelSelector("reserved:host")(labels)).toBe(true);
    expect(() => parseLabelSelector("")).toThrow("empty");
  });
});
