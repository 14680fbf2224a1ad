// np-guard's netpol-analyzer scenarios: sluice's connlist, computed from the compiled tables, must
// equal the expected connectivity lists as sets of lines (README §"What an evaluator must do").
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connlist } from "../../compiler/analysis/connlist.js";
import { formatConnlist } from "../../compiler/analysis/connlist-format.js";
import type { ConnlistFormat } from "../../compiler/analysis/connlist-format.js";
import { compile } from "../../compiler/compile.js";
import { oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";

const present = haveCorpus("k8s-netpol");
const root = corpusPath("k8s-netpol");
const scenarios = present
  ? readdirSync(root)
      .filter((s) => existsSync(`${root}/${s}/expected/${s}_connlist_output.txt`))
      .sort()
  : [];

function compileScenario(s: string) {
  // The corpus's expectations need fresh addresses for every pod (hostNetwork pods share node IPs).
  const r = compile([`${root}/${s}/resources`], { cni: "spec", syntheticIps: "always" });
  expect(r.diagnostics.filter((d) => d.severity === "error").map(oneLine)).toEqual([]);
  return r.bundle!;
}

const lines = (text: string): Set<string> =>
  new Set(
    text
      .split("\n")
      .filter((l) => l.trim() !== "")
      // np+route scenarios: OpenShift Route lines are out of scope.
      .filter((l) => !l.includes("{ingress-controller}")),
  );

describe.skipIf(!present)("k8s-netpol corpus: connlist", () => {
  it("has the 35 scenarios with a connectivity list", () => {
    expect(scenarios.length).toBe(35);
  });
  for (const s of scenarios) {
    it(s, () => {
      const got = lines(formatConnlist(connlist(compileScenario(s)), "txt"));
      const want = lines(readFileSync(`${root}/${s}/expected/${s}_connlist_output.txt`, "utf8"));
      expect(
        [...got].filter((l) => !want.has(l)),
        "lines sluice allows that np-guard does not",
      ).toEqual([]);
      expect(
        [...want].filter((l) => !got.has(l)),
        "lines np-guard allows that sluice does not",
      ).toEqual([]);
    });
  }
});

describe.skipIf(!present)("k8s-netpol corpus: other connlist formats", () => {
  const cases: [string, ConnlistFormat, string][] = [
    ["netpol-analysis-example-minimal", "json", "json"],
    ["netpol-analysis-example-minimal", "csv", "csv"],
    ["netpol-analysis-example-minimal", "md", "md"],
    ["onlineboutique", "json", "json"],
    ["onlineboutique", "md", "md"],
  ];
  for (const [s, format, ext] of cases) {
    it(`${s} as ${format}`, () => {
      const got = formatConnlist(connlist(compileScenario(s)), format);
      const want = readFileSync(`${root}/${s}/expected/${s}_connlist_output.${ext}`, "utf8");
      if (format === "json") {
        const norm = (t: string) =>
          (JSON.parse(t) as { src: string; dst: string; conn: string }[])
            .map((r) => `${r.src}|${r.dst}|${r.conn}`)
            .sort();
        expect(norm(got)).toEqual(norm(want));
      } else {
        const norm = (t: string) =>
          t
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "");
        expect(norm(got)[0]).toBe(norm(want)[0]);
        expect(norm(got).sort()).toEqual(norm(want).sort());
      }
    });
  }
});
