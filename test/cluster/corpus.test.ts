/**
 * The k8s-netpol corpus (np-guard's scenarios): every scenario's resources load without errors, give
 * the MANIFEST's number of workloads, and contain every workload the expected connectivity lists name.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { buildCluster, formatWorkload } from "../../compiler/cluster/load.js";
import { Diagnostics, oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { readInputs } from "../../compiler/input/read-objects.js";
import { parseIp } from "../../compiler/net/cidr.js";

const corpusDir = fileURLToPath(new URL("../../../shared/corpus/k8s-netpol/", import.meta.url));
const present = existsSync(`${corpusDir}MANIFEST.tsv`);
if (!present) {
  console.warn(`k8s-netpol corpus not found at ${corpusDir}; corpus tests skipped`);
}

interface Scenario {
  readonly name: string;
  readonly category: string;
  readonly workloads: number;
}

function manifest(): Scenario[] {
  if (!present) {
    return [];
  }
  const [header, ...rows] = readFileSync(`${corpusDir}MANIFEST.tsv`, "utf8").trim().split("\n");
  const cols = header!.split("\t");
  const at = (row: string[], col: string): string => row[cols.indexOf(col)] ?? "";
  return rows.map((line) => {
    const row = line.split("\t");
    return {
      name: at(row, "scenario"),
      category: at(row, "category"),
      workloads: Number(at(row, "workloads")),
    };
  });
}

/** Workload peers (`ns/name[Kind]`) named in a scenario's connlist files; IP ranges and ingress-controller excluded. */
function expectedPeers(scenario: string): Set<string> {
  const dir = `${corpusDir}${scenario}/expected/`;
  const peers = new Set<string>();
  if (!existsSync(dir)) {
    return peers;
  }
  for (const f of readdirSync(dir).filter((n) => n.endsWith("_connlist_output.txt"))) {
    for (const line of readFileSync(dir + f, "utf8").split("\n")) {
      const m = /^(\S+) => (\S+) : /.exec(line);
      for (const peer of m === null ? [] : [m[1]!, m[2]!]) {
        if (!peer.endsWith("[External]") && !peer.startsWith("{")) {
          peers.add(peer);
        }
      }
    }
  }
  return peers;
}

/** Scenario directories (those with a resources/ folder), each with its MANIFEST row. */
const rows = new Map(manifest().map((s) => [s.name, s]));
const scenarios: Scenario[] = present
  ? readdirSync(corpusDir)
      .filter((d) => existsSync(`${corpusDir}${d}/resources`))
      .sort()
      .map((d) => rows.get(d) ?? { name: d, category: "?", workloads: -1 })
  : [];

describe("k8s-netpol corpus: cluster snapshots", () => {
  it.skipIf(!present)("has a MANIFEST row for every scenario directory and vice versa", () => {
    expect(scenarios.filter((s) => s.category === "?").map((s) => s.name)).toEqual([]);
    expect(scenarios).toHaveLength(rows.size);
  });

  it.skipIf(!present).each(scenarios)("$name", ({ name, category, workloads }) => {
    const diags = new Diagnostics();
    const { objects } = readInputs([`${corpusDir}${name}/resources`], diags);
    const cluster = buildCluster(objects, diags, { syntheticIps: "always" });
    expect(diags.all.filter((d) => d.severity === "error").map(oneLine)).toEqual([]);

    const names = new Set(cluster.pods.map((p) => formatWorkload(p.workload)));
    if (category === "pod-bool-map") {
      // The boolean maps are pod-level, built from Pod objects only: the column counts those pods.
      expect(objects.filter((o) => o.kind === "Pod")).toHaveLength(workloads);
    } else {
      expect(names.size).toBe(workloads);
    }
    const missing = [...expectedPeers(name)].filter((p) => !names.has(p));
    expect(missing).toEqual([]);

    // Fresh, unique addresses for every pod (hostNetwork pods must not keep their node's IP).
    const ips = cluster.pods.flatMap((p) => p.ips);
    expect(cluster.pods.every((p) => p.ips.length === 2)).toBe(true);
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips.every((ip) => parseIp(ip) !== undefined)).toBe(true);
  });
});
