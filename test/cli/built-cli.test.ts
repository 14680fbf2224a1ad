// The built `sluice` executable (dist/, made by `npm ci`) on the Star Wars demo, compared with stored
// outputs in test/cli/expected/. The stored outputs were reviewed against the demo's policy: only the
// Death Star is isolated, only Imperial ships reach it on TCP/80; the capture's X-wing SYNs and the ping
// drop. Regenerate with UPDATE=1 after an intended change, and review the diff.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${root}dist/cli/main.js`;
const built = existsSync(bin);
if (!built) {
  console.warn(`notice: ${bin} is absent (run npm run build); the built-CLI tests are skipped`);
}
const D = "policies/star-wars";

function sluice(args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args, "--color", "never"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
}

function expectStored(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`./expected/${name}`, import.meta.url));
  if (process.env.UPDATE === "1") {
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe.skipIf(!built)("the built CLI on the demo", () => {
  for (const dialect of ["kubernetes", "calico", "cilium"]) {
    it(`connlist (${dialect})`, () => {
      expectStored("demo-connlist.txt", sluice(["connlist", `${D}/cluster.yaml`, `${D}/${dialect}`]));
    });
  }
  it("trace (kubernetes): the X-wing is denied at the Death Star's ingress", () => {
    let out = "";
    try {
      sluice([
        "trace",
        `${D}/cluster.yaml`,
        `${D}/kubernetes`,
        "--from",
        "default/xwing",
        "--to",
        "default/deathstar-6c94dcc57b-ssqjd",
        "--port",
        "80",
        "--exit-code",
      ]);
    } catch (e) {
      // --exit-code: 1 means denied.
      expect((e as { status: number }).status).toBe(1);
      out = (e as { stdout: string }).stdout;
    }
    expectStored("demo-trace-xwing.txt", out);
  });
  it("replay -o compact (kubernetes)", () => {
    expectStored(
      "demo-replay-compact.txt",
      sluice(["replay", `${D}/capture.pcap`, `${D}/cluster.yaml`, `${D}/kubernetes`]),
    );
  });
});
