/**
 * @fileoverview A generated cluster and policy set for the performance suite: N endpoints in
 * namespaces of apps (5 replicas each), and P policies whose compiled tables hold an exact number of
 * "policy entries", in the Kubernetes or the Cilium dialect, as YAML text.
 *
 * "Policy entry" = one row of the compiled policy tables (`policy_ingress` + `policy_egress`): one
 * (subject group, peer identity, L4 key) triple, plus one end row (default deny) per selected group and
 * direction (compiler/lower/policy-tables.ts). That is what the per-packet lookup searches, and the
 * unit iptables rule counts and Cilium's policy map entries (identity, port, protocol) correspond to.
 *
 * Shape: P policed apps; app a allows (egress) and is allowed by (ingress) exactly k - 1 (peer app,
 * TCP port) pairs, laid out as a circulant: pair t of app a is (a + 1 + floor(t / Q), 8000 + t mod Q),
 * so every policed app has k - 1 distinct ingress pairs and k - 1 distinct egress pairs, and egress of
 * a allows (s, p) exactly when the ingress of s allows (a, p) — the allowed connections. Each app's
 * policy selects only that app, so each is one subject group per direction: 2 * P * k rows in all.
 * `shapeForRows(R)` picks P and k with 2 * P * k = R (k near sqrt(R / 8), so neither the number of
 * groups nor the rows per group dominates). Cilium adds one ingress row per selected group of its own
 * (allow-localhost: the local host may reach local pods, cilium.md §2.1), so a Cilium set compiles to
 * R + P rows; `expectedRows` counts it.
 */

/** Dialect of the generated policies. */
export type Dialect = "kubernetes" | "cilium";

/** Options of `generateCluster`. */
export interface GenOptions {
  /** Endpoints (pods), default 10 000. */
  readonly endpoints?: number;
  /** Policed apps = policies (each selects one app). */
  readonly policies: number;
  /** Rows per policy and direction, including the end row (>= 2). */
  readonly rowsPerDirection: number;
  readonly dialect: Dialect;
  /** Distinct destination ports the pairs use (default 10: 8000..8009). */
  readonly ports?: number;
}

/** One app: a Deployment-like set of pods sharing labels, hence one identity. */
export interface GenApp {
  readonly namespace: string;
  readonly name: string;
  /** Index of its first pod; pods are `firstPod .. firstPod + pods - 1`. */
  readonly firstPod: number;
  readonly pods: number;
}

/** An allowed connection between apps: client app index, server app index, TCP port. */
export interface GenConnection {
  readonly client: number;
  readonly server: number;
  readonly port: number;
}

/** The generated inputs. */
export interface GeneratedCluster {
  /** Namespaces and pods (dual-stack addresses), as one YAML `List`. */
  readonly clusterYaml: string;
  /** The policies, as multi-document YAML. */
  readonly policyYaml: string;
  readonly dialect: Dialect;
  readonly endpoints: number;
  readonly namespaces: number;
  readonly apps: readonly GenApp[];
  /** App index of each policed app (policed app a is `apps[policed[a]]`). */
  readonly policed: readonly number[];
  readonly rowsPerDirection: number;
  /** Rows the compiled policy tables must hold: 2 * policies * rowsPerDirection (+ policies for Cilium). */
  readonly expectedRows: number;
  /** Every allowed (client app, server app, port), as app indexes. */
  readonly connections: readonly GenConnection[];
}

/** Pods per app. */
export const REPLICAS = 5;
/** Apps per namespace. */
export const APPS_PER_NAMESPACE = 40;
/** First destination port of the pairs. */
export const BASE_PORT = 8000;

/** IPv4 address of pod `i` (10.1.0.1 onwards). */
export function podIp4(i: number): string {
  const n = i + 1;
  return `10.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/** IPv6 address of pod `i` (fd00:10::1 onwards). */
export function podIp6(i: number): string {
  const n = i + 1;
  return `fd00:10::${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
}

/** P and k with 2 * P * k = `rows` (k the smallest divisor of rows / 2 that is >= sqrt(rows / 8) and >= 2). */
export function shapeForRows(
  rows: number,
  endpoints = 10_000,
): { policies: number; rowsPerDirection: number } {
  const apps = Math.ceil(endpoints / REPLICAS);
  if (!Number.isInteger(rows) || rows < 4 || rows % 2 !== 0) {
    throw new RangeError(`policy entries must be an even integer >= 4, got ${rows}`);
  }
  const half = rows / 2;
  for (let k = Math.max(2, Math.ceil(Math.sqrt(rows / 8))); k <= half; k++) {
    if (half % k === 0 && half / k <= apps && half / k >= 2) {
      return { policies: half / k, rowsPerDirection: k };
    }
  }
  throw new RangeError(`no shape gives ${rows} policy entries over ${apps} apps`);
}

function appsOf(endpoints: number): GenApp[] {
  const out: GenApp[] = [];
  for (let first = 0, j = 0; first < endpoints; first += REPLICAS, j++) {
    out.push({
      namespace: `ns-${Math.floor(j / APPS_PER_NAMESPACE)}`,
      name: `svc-${j}`,
      firstPod: first,
      pods: Math.min(REPLICAS, endpoints - first),
    });
  }
  return out;
}

function clusterText(apps: readonly GenApp[]): string {
  const lines = ["apiVersion: v1", "kind: List", "items:"];
  const namespaces = [...new Set(apps.map((a) => a.namespace))];
  namespaces.forEach((ns, i) => {
    lines.push(
      `  - { apiVersion: v1, kind: Namespace, metadata: { name: ${ns}, labels: { team: team-${i % 7} } } }`,
    );
  });
  apps.forEach((a, j) => {
    for (let r = 0; r < a.pods; r++) {
      const p = a.firstPod + r;
      lines.push(
        `  - apiVersion: v1`,
        `    kind: Pod`,
        `    metadata: { name: ${a.name}-${r}, namespace: ${a.namespace}, labels: { app: ${a.name}, tier: tier-${j % 3} } }`,
        `    spec: { containers: [ { name: main, image: app, ports: [ { containerPort: ${BASE_PORT} } ] } ] }`,
        `    status: { phase: Running, podIP: ${podIp4(p)}, podIPs: [ { ip: ${podIp4(p)} }, { ip: "${podIp6(p)}" } ] }`,
      );
    }
  });
  return lines.join("\n") + "\n";
}

/** Ports per peer of one app and direction: peer app index → sorted ports. */
function pairsByPeer(pairs: readonly { peer: number; port: number }[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const { peer, port } of pairs) {
    const list = m.get(peer) ?? [];
    list.push(port);
    m.set(peer, list);
  }
  return m;
}

function k8sPeer(app: GenApp): string {
  return `{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${app.namespace} } }, podSelector: { matchLabels: { app: ${app.name} } } }`;
}

function ciliumPeer(app: GenApp): string {
  return `{ matchLabels: { app: ${app.name}, "k8s:io.kubernetes.pod.namespace": ${app.namespace} } }`;
}

function policyText(
  dialect: Dialect,
  app: GenApp,
  ingress: Map<number, number[]>,
  egress: Map<number, number[]>,
  apps: readonly GenApp[],
): string {
  const out: string[] = [];
  if (dialect === "kubernetes") {
    out.push(
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      `metadata: { name: allow-${app.name}, namespace: ${app.namespace} }`,
      "spec:",
      `  podSelector: { matchLabels: { app: ${app.name} } }`,
      "  policyTypes: [Ingress, Egress]",
      "  ingress:",
    );
    for (const [peer, ports] of ingress) {
      out.push(
        `    - from: [ ${k8sPeer(apps[peer]!)} ]`,
        `      ports: [ ${ports.map((p) => `{ protocol: TCP, port: ${p} }`).join(", ")} ]`,
      );
    }
    out.push("  egress:");
    for (const [peer, ports] of egress) {
      out.push(
        `    - to: [ ${k8sPeer(apps[peer]!)} ]`,
        `      ports: [ ${ports.map((p) => `{ protocol: TCP, port: ${p} }`).join(", ")} ]`,
      );
    }
  } else {
    const toPorts = (ports: readonly number[]): string =>
      `[ { ports: [ ${ports.map((p) => `{ port: "${p}", protocol: TCP }`).join(", ")} ] } ]`;
    out.push(
      "apiVersion: cilium.io/v2",
      "kind: CiliumNetworkPolicy",
      `metadata: { name: allow-${app.name}, namespace: ${app.namespace} }`,
      "spec:",
      `  endpointSelector: { matchLabels: { app: ${app.name} } }`,
      "  ingress:",
    );
    for (const [peer, ports] of ingress) {
      out.push(`    - fromEndpoints: [ ${ciliumPeer(apps[peer]!)} ]`, `      toPorts: ${toPorts(ports)}`);
    }
    out.push("  egress:");
    for (const [peer, ports] of egress) {
      out.push(`    - toEndpoints: [ ${ciliumPeer(apps[peer]!)} ]`, `      toPorts: ${toPorts(ports)}`);
    }
  }
  return out.join("\n");
}

/** Generate the cluster, the policies and the allowed connections. */
export function generateCluster(options: GenOptions): GeneratedCluster {
  const endpoints = options.endpoints ?? 10_000;
  const apps = appsOf(endpoints);
  const P = options.policies;
  const k = options.rowsPerDirection;
  if (P < 2 || P > apps.length || k < 2) {
    throw new RangeError(`need 2 <= policies <= ${apps.length} and rowsPerDirection >= 2`);
  }
  // Enough ports that the k - 1 pairs of an app reach at most P - 1 other apps (no duplicate pair).
  const Q = Math.max(options.ports ?? 10, Math.ceil((k - 1) / (P - 1)));
  const stride = Math.floor(apps.length / P);
  const policed = Array.from({ length: P }, (_, a) => a * stride);
  const connections: GenConnection[] = [];
  const ingress = policed.map(() => [] as { peer: number; port: number }[]);
  const egress = policed.map(() => [] as { peer: number; port: number }[]);
  for (let a = 0; a < P; a++) {
    for (let t = 0; t < k - 1; t++) {
      const s = (a + 1 + Math.floor(t / Q)) % P;
      const port = BASE_PORT + (t % Q);
      connections.push({ client: policed[a]!, server: policed[s]!, port });
      egress[a]!.push({ peer: policed[s]!, port });
      ingress[s]!.push({ peer: policed[a]!, port });
    }
  }
  const docs = policed.map((j, a) =>
    policyText(options.dialect, apps[j]!, pairsByPeer(ingress[a]!), pairsByPeer(egress[a]!), apps),
  );
  return {
    clusterYaml: clusterText(apps),
    policyYaml: docs.join("\n---\n") + "\n",
    dialect: options.dialect,
    endpoints,
    namespaces: new Set(apps.map((a) => a.namespace)).size,
    apps,
    policed,
    rowsPerDirection: k,
    expectedRows: 2 * P * k + (options.dialect === "cilium" ? P : 0),
    connections,
  };
}
