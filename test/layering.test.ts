// The runtime stays free of the compiler, the CLI and compile-time dependencies: an embedder who only
// runs bundles must not load the YAML parser or binaryen (DESIGN.md).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../runtime/", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("layering", () => {
  it("runtime/ imports neither compiler/, cli/ nor compile-time packages", () => {
    const offenders: string[] = [];
    for (const f of files(root)) {
      for (const m of readFileSync(f, "utf8").matchAll(/from\s+"([^"]+)"/g)) {
        const spec = m[1]!;
        if (
          /\/(compiler|cli)\//.test(spec) ||
          /^(yaml|moo|nearley|ebnf|commander|picocolors|binaryen)$/.test(spec)
        ) {
          offenders.push(`${f}: ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("sluice/runtime loads on its own and runs a packet", async () => {
    const rt = await import("../runtime/index.js");
    const engine = rt.Engine.load();
    const frame = rt.craft.udpPkt("10.0.0.1:53", "10.0.0.2:53");
    expect(engine.process(frame).verdictName).toBe("FORWARDED");
  });
});
