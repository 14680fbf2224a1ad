import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Diagnostics, oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import {
  isInputFileName,
  objectsFromFiles,
  parseObjects,
  readInputs,
} from "../../compiler/input/read-objects.js";
import type { KubeObject } from "../../compiler/input/read-objects.js";

function parse(text: string, path = "x.yaml"): { objects: KubeObject[]; diags: Diagnostics } {
  const diags = new Diagnostics();
  return { objects: parseObjects(new SourceFile(path, text), diags), diags };
}

const summary = (objs: readonly KubeObject[]): string[] =>
  objs.map((o) => `${o.apiVersion ?? "-"} ${o.kind} ${o.namespace ?? "-"}/${o.name ?? "-"}`);

const lines = (d: Diagnostics): string[] => d.all.map(oneLine);

describe("parseObjects", () => {
  it("reads multi-document YAML, keeping document order and metadata", () => {
    const { objects, diags } = parse(
      [
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a",
        "", // empty document
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
      ].join("\n---\n"),
    );
    expect(lines(diags)).toEqual([]);
    expect(summary(objects)).toEqual(["v1 Namespace -/a", "v1 Pod a/p", "apps/v1 Deployment -/d"]);
    expect(objects[1]!.node.kind).toBe("map");
    expect(objects[1]!.file.path).toBe("x.yaml");
  });

  it("reads JSON", () => {
    const { objects, diags } = parse(
      '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}}',
      "x.json",
    );
    expect(lines(diags)).toEqual([]);
    expect(summary(objects)).toEqual(["v1 Pod -/j"]);
  });

  it("unpacks a plain List; items keep their own kind and apiVersion", () => {
    const { objects, diags } = parse(`
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: n}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np}
`);
    expect(lines(diags)).toEqual([]);
    expect(summary(objects)).toEqual(["v1 Pod n/a", "networking.k8s.io/v1 NetworkPolicy -/np"]);
  });

  it("skips kind-less items of a plain List with a warning at the item", () => {
    const { objects, diags } = parse(
      "kind: List\nitems:\n- metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n",
    );
    expect(summary(objects)).toEqual(["- Pod -/b"]);
    expect(lines(diags)).toEqual(["x.yaml:3:3: warning[S1012]: item of a List has no `kind`; skipped"]);
  });

  it("derives kind and apiVersion of kind-less items from a typed list", () => {
    const { objects, diags } = parse(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicyList
items:
- metadata: {name: a, namespace: x}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: b}
`);
    expect(lines(diags)).toEqual([]);
    expect(summary(objects)).toEqual([
      "networking.k8s.io/v1 NetworkPolicy x/a",
      "networking.k8s.io/v1 NetworkPolicy -/b",
    ]);
  });

  it("keeps an item's own kind inside a typed list, and unpacks nested lists", () => {
    const { objects } = parse(`
kind: PodList
items:
- kind: List
  items:
  - {kind: Service, metadata: {name: s}}
- metadata: {name: p}
`);
    expect(summary(objects)).toEqual(["- Service -/s", "- Pod -/p"]);
  });

  it("treats empty or null items as an empty list", () => {
    expect(parse("kind: PodList\nitems: []\n").objects).toEqual([]);
    expect(parse("kind: PodList\nitems:\n").objects).toEqual([]);
  });

  it("keeps a *List kind without items as an ordinary object", () => {
    expect(summary(parse("kind: AllowList\nmetadata: {name: w}\n").objects)).toEqual(["- AllowList -/w"]);
  });

  it("reports items that are not a sequence", () => {
    const { objects, diags } = parse("kind: List\nitems: {a: 1}\n");
    expect(objects).toEqual([]);
    expect(lines(diags)).toEqual([
      "x.yaml:2:8: error[S1014]: `items` of a List must be a sequence; list skipped",
    ]);
  });

  it("skips objects without kind: warns only when they look like Kubernetes objects", () => {
    const quiet = parse("foo: bar\n");
    expect(quiet.objects).toEqual([]);
    expect(lines(quiet.diags)).toEqual([]);
    const loud = parse("apiVersion: v1\nmetadata: {name: a}\n");
    expect(loud.objects).toEqual([]);
    expect(lines(loud.diags)).toEqual(["x.yaml:1:1: warning[S1011]: object has no `kind`; skipped"]);
  });

  it("treats an empty kind as missing", () => {
    const { objects, diags } = parse('apiVersion: v1\nkind: ""\nmetadata: {name: a}\n');
    expect(objects).toEqual([]);
    expect(lines(diags)).toEqual(["x.yaml:1:1: warning[S1011]: object has no `kind`; skipped"]);
  });

  it("reports a non-string kind and non-mapping documents", () => {
    const { objects, diags } = parse("kind: [Pod]\n---\n- a\n- b\n---\njust text\n");
    expect(objects).toEqual([]);
    expect(lines(diags)).toEqual([
      "x.yaml:1:7: error[S1013]: `kind` must be a string; object skipped",
      "x.yaml:3:1: warning[S1010]: document is not a mapping; skipped",
      "x.yaml:6:1: warning[S1010]: document is not a mapping; skipped",
    ]);
  });

  it("leaves name and namespace out when they are not strings", () => {
    const [obj] = parse("kind: Pod\nmetadata: {name: 12, namespace: [x]}\n").objects;
    expect(obj).toBeDefined();
    expect("name" in obj! || "namespace" in obj!).toBe(false);
  });

  it("keeps the objects of a file with a YAML error in another document", () => {
    const { objects, diags } = parse("kind: Pod\nmetadata: {name: ok}\n---\nkind: [unclosed\n");
    expect(summary(objects)).toEqual(["- Pod -/ok"]);
    expect(diags.errorCount).toBeGreaterThan(0);
    expect(diags.all.every((d) => d.code === "S1001")).toBe(true);
  });

  it("objectsFromFiles concatenates in file order", () => {
    const diags = new Diagnostics();
    const files = [
      new SourceFile("b.yaml", "kind: Pod\nmetadata: {name: b}"),
      new SourceFile("a.yaml", "kind: Pod\nmetadata: {name: a}"),
    ];
    expect(objectsFromFiles(files, diags).map((o) => o.name)).toEqual(["b", "a"]);
  });
});

describe("isInputFileName", () => {
  it("accepts .yaml, .yml and .json in any case", () => {
    expect(["a.yaml", "b.YML", "c.Json"].map(isInputFileName)).toEqual([true, true, true]);
    expect(["a.txt", "yaml", "a.yaml.bak"].map(isInputFileName)).toEqual([false, false, false]);
  });
});

describe("readInputs (file system)", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-input-"));
    const pod = (name: string): string => `kind: Pod\nmetadata: {name: ${name}}\n`;
    mkdirSync(join(dir, "tree", "sub", "deeper"), { recursive: true });
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "tree", "b.yaml"), pod("b"));
    writeFileSync(join(dir, "tree", "a.yml"), pod("a"));
    writeFileSync(join(dir, "tree", "c.json"), '{"kind": "Pod", "metadata": {"name": "c"}}');
    writeFileSync(join(dir, "tree", "notes.txt"), pod("ignored"));
    writeFileSync(join(dir, "tree", "sub", "z.yaml"), pod("z"));
    writeFileSync(join(dir, "tree", "sub", "deeper", "y.yaml"), pod("y"));
    writeFileSync(join(dir, "single.txt"), pod("explicit"));
    symlinkSync(join(dir, "tree"), join(dir, "tree", "sub", "loop"));
    symlinkSync(join(dir, "nowhere"), join(dir, "tree", "dangling.txt"));
    mkdirSync(join(dir, "broken"));
    symlinkSync(join(dir, "nowhere"), join(dir, "broken", "gone.yaml"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("walks directories recursively, sorted, by extension, once despite symlink loops", () => {
    const diags = new Diagnostics();
    const { files, objects } = readInputs([join(dir, "tree")], diags);
    expect(lines(diags)).toEqual([]);
    expect(objects.map((o) => o.name)).toEqual(["a", "b", "c", "y", "z"]);
    expect(files.map((f) => f.path)).toEqual(
      ["a.yml", "b.yaml", "c.json", "sub/deeper/y.yaml", "sub/z.yaml"].map((f) => join(dir, "tree", f)),
    );
  });

  it("reads an explicitly named file whatever its extension, and each file once", () => {
    const diags = new Diagnostics();
    const single = join(dir, "single.txt");
    const { objects } = readInputs([single, join(dir, "tree", "a.yml"), join(dir, "tree"), single], diags);
    expect(objects.map((o) => o.name)).toEqual(["explicit", "a", "b", "c", "y", "z"]);
  });

  it("reports a dangling link only when it has an input extension", () => {
    const diags = new Diagnostics();
    readInputs([join(dir, "broken")], diags);
    expect(lines(diags)).toEqual([
      `error[S1000]: cannot read '${join(dir, "broken", "gone.yaml")}': ENOENT`,
      `warning[S1015]: directory '${join(dir, "broken")}' holds no .yaml, .yml or .json file`,
    ]);
  });

  it("reads '-' from the caller's stdin text", () => {
    const diags = new Diagnostics();
    const { files, objects } = readInputs(["-"], diags, { stdin: "kind: Pod\nmetadata: {name: s}\n" });
    expect(files.map((f) => f.path)).toEqual(["<stdin>"]);
    expect(objects.map((o) => o.name)).toEqual(["s"]);
    const none = new Diagnostics();
    readInputs(["-"], none);
    expect(lines(none)).toEqual(["error[S1000]: '-' names standard input, but no stdin text was given"]);
  });

  it("reports unreadable paths (S1000) and empty directories (S1015), and goes on", () => {
    const diags = new Diagnostics();
    const missing = join(dir, "nope.yaml");
    const { objects } = readInputs([missing, join(dir, "empty"), join(dir, "tree", "a.yml")], diags);
    expect(objects.map((o) => o.name)).toEqual(["a"]);
    expect(lines(diags)).toEqual([
      `error[S1000]: cannot read '${missing}': ENOENT`,
      `warning[S1015]: directory '${join(dir, "empty")}' holds no .yaml, .yml or .json file`,
    ]);
  });
});
