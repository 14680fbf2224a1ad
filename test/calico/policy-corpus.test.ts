/**
 * @fileoverview Calico policy front end over the ten upstream policy samples in
 * ../shared/corpus/calico (tigera/docs and projectcalico/calico). The corpus README says every sample
 * validates upstream, so each must compile without errors; the warnings expected are the constructs
 * sluice does not model (service-account labels), the Service a sample names but does not include, and
 * the limits of host-endpoint policy (`host-policy-approximated`: untracked policy is enforced
 * statefully, forwarded traffic is not policed).
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { compileCalicoObjects } from "../../compiler/frontends/calico/policy/index.js";
import { parseObjects } from "../../compiler/input/read-objects.js";
import type { PolicyEntry } from "../../compiler/ir/entry.js";
import { selectorToString } from "../../compiler/ir/selector.js";

const CORPUS = fileURLToPath(new URL("../../../shared/corpus/calico/", import.meta.url));
const present = existsSync(CORPUS);
if (!present) {
  console.log(`policy-corpus: ${CORPUS} not found; skipping the Calico policy corpus tests`);
}

/** Warning ids each sample must produce (sorted, de-duplicated). */
const EXPECTED_WARNINGS: Readonly<Record<string, readonly string[]>> = {
  "alp-30-policy.yaml": [],
  "gnp-allow-kube-dns-services.yaml": ["calico-unknown-service"],
  "gnp-allow-tcp-6379.yaml": [],
  "gnp-deny-app-policy.yaml": [],
  "gnp-ip-protect-donottrack.yaml": ["host-policy-approximated"],
  "hep-memcached-donottrack.yaml": ["calico-source-ports-not-modelled", "host-policy-approximated"],
  "np-namespace-selector-allow-tcp-6379.yaml": [],
  "np-restrict-intern-access-serviceaccounts.yaml": ["calico-sa-labels-not-modelled"],
  "staged-gnp-allow-tcp-6379.yaml": [],
  "tier-devops-and-gnp-pass.yaml": [],
};

function compileFile(name: string): { entries: PolicyEntry[]; diags: Diagnostics } {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile(name, readFileSync(CORPUS + name, "utf8")), diags);
  const entries: PolicyEntry[] = [];
  compileCalicoObjects(objects, diags, entries);
  return { entries, diags };
}

describe.skipIf(!present)("Calico policy corpus", () => {
  const files = present
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
    : [];

  it("has the ten samples the README lists", () => {
    expect(files).toEqual(Object.keys(EXPECTED_WARNINGS).sort());
  });

  it.each(files)("%s compiles without errors", (name) => {
    const { diags } = compileFile(name);
    expect(diags.all.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
    const ids = [...new Set(diags.all.map((d) => d.id ?? d.code))].sort();
    expect(ids).toEqual(EXPECTED_WARNINGS[name]);
  });

  it("tier devops (order 300, Pass) ranks before the built-ins", () => {
    const { entries } = compileFile("tier-devops-and-gnp-pass.yaml");
    expect(
      entries.map((e) => [
        e.type,
        e.tier,
        e.tierName,
        e.direction,
        e.type === "rule" ? e.verdict : e.defaultDeny,
      ]),
    ).toEqual([
      ["select", 0, "devops", "ingress", false],
      ["rule", 0, "devops", "ingress", "deny"],
      ["rule", 0, "devops", "ingress", "pass"],
      ["select", 0, "devops", "egress", false],
      ["rule", 0, "devops", "egress", "deny"],
      ["rule", 0, "devops", "egress", "pass"],
    ]);
  });

  it("untracked policies are rules of host endpoints in tier untracked/<tier>, without a selection; staged ones are marked", () => {
    const untracked = compileFile("gnp-ip-protect-donottrack.yaml").entries;
    // ip-protect (order 0) before forward-default-allow (order 1000); no end-of-tier selection.
    expect(
      untracked.map((e) => [e.type, e.tierName, e.origin.name, e.type === "rule" ? e.verdict : ""]),
    ).toEqual([
      ["rule", "untracked/default", "ip-protect", "deny"],
      ["rule", "untracked/default", "forward-default-allow", "allow"],
    ]);
    // The policy selector, restricted to host endpoints (untracked policy applies nowhere else).
    expect(untracked.map((e) => selectorToString(e.subject))).toEqual([
      'reserved:host == "" && apply-ip-protect == "true"',
      'reserved:host == "" && apply-ip-protect == "true"',
    ]);
    const staged = compileFile("staged-gnp-allow-tcp-6379.yaml").entries;
    expect(staged.length).toBe(4);
    expect(staged.every((e) => e.origin.staged === true && e.tierName === "default")).toBe(true);
  });

  it("application layer policy becomes HTTP rules", () => {
    const customer = compileFile("alp-30-policy.yaml").entries.find(
      (e) => e.type === "rule" && e.origin.name === "customer" && e.direction === "ingress",
    );
    const l7 = customer?.type === "rule" ? customer.l7 : undefined;
    expect(l7?.kind === "http" ? l7.rules.map((r) => r.method) : undefined).toEqual(["GET"]);
  });
});
