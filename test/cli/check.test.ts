// `sluice check` with lints, in-process: text and JSON output, `--warn id=level` re-levelling, and the
// exit code (1 only when an error remains).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sluice } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-check-"));
const file = join(dir, "shop.yaml");
writeFileSync(
  file,
  `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
status: { podIP: 10.1.0.10 }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
status: { podIP: 10.1.0.20 }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 } ]
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 } ]
`,
);
const broken = join(dir, "broken.yaml");
writeFileSync(
  broken,
  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec: { bogus: 1 }\n",
);

describe("sluice check with lints", () => {
  it("prints lint warnings rustc-style with their id and note, and exits 0", async () => {
    const r = await sluice(["check", file, "--color", "never"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "warning[L0004]: ingress rule 1 of NetworkPolicy shop/web is redundant: other rules for the same endpoints already cover every peer and port it matches [shadowed-rule]",
    );
    expect(r.err).toContain(`--> ${file}:19:7`);
    expect(r.err).toContain(`= note: covered by ingress rule 0 of NetworkPolicy shop/web (${file}:17:7)`);
    expect(r.err).toMatch(/0 error\(s\), 1 warning\(s\) in 1 file\(s\)\n$/);
  });

  it("reports lints in --format json", async () => {
    const r = await sluice(["check", file, "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      errors: number;
      warnings: number;
      diagnostics: {
        code: string;
        id: string;
        location: { line: number; column: number };
        notes: unknown[];
      }[];
    };
    expect(j.errors).toBe(0);
    expect(j.warnings).toBe(1);
    expect(j.diagnostics[0]).toMatchObject({
      code: "L0004",
      id: "shadowed-rule",
      severity: "warning",
      location: { file, line: 19, column: 7 },
      notes: [
        { message: "covered by ingress rule 0 of NetworkPolicy shop/web", location: { line: 17, column: 7 } },
      ],
    });
  });

  it("--warn id=off silences a lint", async () => {
    const r = await sluice(["check", file, "--color", "never", "--warn", "shadowed-rule=off"]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain("L0004");
    expect(r.err).toMatch(/0 error\(s\), 0 warning\(s\)/);
  });

  it("--warn id=error turns a lint into an error: exit 1", async () => {
    const r = await sluice(["check", file, "--color", "never", "--warn", "shadowed-rule=error"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[L0004]");
    expect(r.err).toMatch(/1 error\(s\), 0 warning\(s\)/);
    const j = await sluice(["check", file, "--format", "json", "--warn", "shadowed-rule=error"]);
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as { errors: number }).errors).toBe(1);
  });

  it("--warn id=note re-levels a lint without failing", async () => {
    const r = await sluice(["check", file, "--color", "never", "--warn", "shadowed-rule=note"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("note[L0004]");
    expect(r.err).toMatch(/0 error\(s\), 0 warning\(s\), 1 note\(s\)/);
  });

  it("compile errors exit 1 and no lints run", async () => {
    const r = await sluice(["check", broken, "--color", "never"]);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/\[L\d{4}\]/);
  });

  it("rejects an unknown --format", async () => {
    const r = await sluice(["check", file, "--format", "xml"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--format must be text or json");
  });
});
