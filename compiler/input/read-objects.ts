/**
 * @fileoverview Input objects: read files, directories and stdin, split multi-document YAML/JSON and
 * unpack `List` / `*List` objects into one located Kubernetes object each.
 *
 * What this module accepts follows `kubectl apply -f DIR -R` and np-guard's manifest reader:
 * directories are walked recursively for `.yaml`, `.yml` and `.json` files (sorted by path, so the
 * object order never depends on the file system); a `List` or any `<Kind>List` with `items` is
 * replaced by its items, and an item of a typed list (`NetworkPolicyList`) that omits `kind` /
 * `apiVersion` takes them from the list (`NetworkPolicy`, the list's apiVersion), as the API server's
 * list responses omit them. Objects are not interpreted here: cluster/load.ts and the policy front ends
 * pick the kinds they understand from the same list.
 *
 * Parsing (`parseObjects`, `objectsFromFiles`) is separate from I/O (`readInputs`) so tests need no
 * file system.
 *
 * Diagnostic codes (S1xxx = input parsing; S1001–S1004 are compiler/yaml/located.ts):
 *
 * | code  | severity | id                     | meaning                                             |
 * |-------|----------|------------------------|-----------------------------------------------------|
 * | S1000 | error    |                        | a path cannot be read (missing, permission, no stdin) |
 * | S1010 | warning  | input-not-an-object    | a document or list item is not a mapping; skipped   |
 * | S1011 | warning  | input-missing-kind     | an object (apiVersion/metadata) has no `kind`; skipped |
 * | S1012 | warning  | input-missing-kind     | an item of a plain `List` has no `kind`; skipped    |
 * | S1013 | error    |                        | `kind` is not a string; object skipped              |
 * | S1014 | error    |                        | a list's `items` is not a sequence; list skipped    |
 * | S1015 | warning  | input-empty-directory  | a directory holds no .yaml/.yml/.json file          |
 */

import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../diagnostics/source.js";
import { get, getString, parseDocuments } from "../yaml/located.js";
import type { LMap, LNode } from "../yaml/located.js";

/** Unreadable input path. */
export const S_UNREADABLE = "S1000";
/** Document or list item that is not a mapping. */
export const S_NOT_AN_OBJECT = "S1010";
/** Object without `kind`. */
export const S_MISSING_KIND = "S1011";
/** Item of a plain `List` without `kind`. */
export const S_LIST_ITEM_KIND = "S1012";
/** `kind` that is not a string. */
export const S_KIND_TYPE = "S1013";
/** `items` that is not a sequence. */
export const S_ITEMS_TYPE = "S1014";
/** Directory without input files. */
export const S_EMPTY_DIRECTORY = "S1015";

/** Path argument that stands for standard input. */
export const STDIN_PATH = "-";
/** Name stdin text gets in diagnostics. */
export const STDIN_NAME = "<stdin>";
/** File name extensions read from directories (lower case). */
export const INPUT_EXTENSIONS: readonly string[] = [".yaml", ".yml", ".json"];

/** One Kubernetes object from the input. */
export interface KubeObject {
  /** `apiVersion` (for a typed list's kind-less item: the list's). */
  readonly apiVersion?: string;
  /** `kind` (for a typed list's kind-less item: derived from the list kind). */
  readonly kind: string;
  /** `metadata.name`, when it is a string. */
  readonly name?: string;
  /** `metadata.namespace`, when it is a string (no defaulting here). */
  readonly namespace?: string;
  /** The whole object. */
  readonly node: LMap;
  /** The file it came from. */
  readonly file: SourceFile;
}

/** What `readInputs` returns: every file read, and every object in them, in input order. */
export interface InputSet {
  /** Files read, in order. */
  readonly files: SourceFile[];
  /** Objects, in file order then document order. */
  readonly objects: KubeObject[];
}

/** Inherited from an enclosing typed list, for items that omit them. */
interface ListDefaults {
  readonly kind?: string;
  readonly apiVersion?: string;
}

const LIST_SUFFIX = "List";

function looksLikeKubeObject(node: LMap): boolean {
  return node.entries.has("apiVersion") || node.entries.has("metadata");
}

function makeObject(node: LMap, file: SourceFile, kind: string, apiVersion: string | undefined): KubeObject {
  const meta = get(node, "metadata");
  const name = getString(meta, "name");
  const namespace = getString(meta, "namespace");
  return {
    kind,
    node,
    file,
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

/** Unpack `node` (one document, or one list item when `inList`) into `out`. */
function collect(
  node: LNode,
  file: SourceFile,
  diags: Diagnostics,
  out: KubeObject[],
  inList: ListDefaults | undefined,
): void {
  if (node.kind === "scalar" && node.value === null) {
    return; // an empty document (`---` at the end of a file) or a null list item
  }
  if (node.kind !== "map") {
    const what = inList === undefined ? "document" : "list item";
    diags.warn(S_NOT_AN_OBJECT, "input-not-an-object", `${what} is not a mapping; skipped`, node.span);
    return;
  }
  const kindNode = get(node, "kind");
  let kind: string | undefined;
  if (kindNode !== undefined && !(kindNode.kind === "scalar" && kindNode.value === null)) {
    if (kindNode.kind !== "scalar" || typeof kindNode.value !== "string") {
      diags.error(
        S_KIND_TYPE,
        "`kind` must be a string; object skipped",
        kindNode.span,
        "write e.g. kind: Pod",
      );
      return;
    }
    kind = kindNode.value === "" ? undefined : kindNode.value;
  }
  const apiVersion = getString(node, "apiVersion") ?? (kind === undefined ? inList?.apiVersion : undefined);
  kind ??= inList?.kind;
  if (kind === undefined) {
    if (inList !== undefined) {
      diags.warn(
        S_LIST_ITEM_KIND,
        "input-missing-kind",
        "item of a List has no `kind`; skipped",
        node.span,
        "add kind: to the item",
      );
    } else if (looksLikeKubeObject(node)) {
      diags.warn(
        S_MISSING_KIND,
        "input-missing-kind",
        "object has no `kind`; skipped",
        node.span,
        "add kind: to the object",
      );
    }
    return;
  }
  const items = node.entries.get("items");
  if (kind.endsWith(LIST_SUFFIX) && items !== undefined) {
    collectItems(items.value, kind, apiVersion, file, diags, out);
    return;
  }
  out.push(makeObject(node, file, kind, apiVersion));
}

function collectItems(
  items: LNode,
  kind: string,
  apiVersion: string | undefined,
  file: SourceFile,
  diags: Diagnostics,
  out: KubeObject[],
): void {
  if (items.kind === "scalar" && items.value === null) {
    return; // `items: null`, as some tools print an empty list
  }
  if (items.kind !== "seq") {
    diags.error(S_ITEMS_TYPE, `\`items\` of a ${kind} must be a sequence; list skipped`, items.span);
    return;
  }
  // A plain List mixes kinds, so its items must name theirs; a typed list names them for its items.
  const defaults: ListDefaults =
    kind === LIST_SUFFIX
      ? {}
      : { kind: kind.slice(0, -LIST_SUFFIX.length), ...(apiVersion !== undefined ? { apiVersion } : {}) };
  for (const item of items.items) {
    collect(item, file, diags, out, defaults);
  }
}

/** Parse one file's documents into objects (no file system access). */
export function parseObjects(file: SourceFile, diags: Diagnostics): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseDocuments(file, diags)) {
    collect(doc, file, diags, out, undefined);
  }
  return out;
}

/** Parse several files, concatenating their objects in order. */
export function objectsFromFiles(files: readonly SourceFile[], diags: Diagnostics): KubeObject[] {
  return files.flatMap((f) => parseObjects(f, diags));
}

/** Whether a directory entry name is an input file by its extension. */
export function isInputFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return INPUT_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Code-unit order, independent of the locale (`localeCompare` is not). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code ?? e.message;
  }
  return String(e);
}

/** Input files under `dir`, recursively, sorted by path; `seen` holds real paths (symlink loops). */
function listDirectory(dir: string, diags: Diagnostics, seen: Set<string>): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort(byCodeUnits);
  } catch (e) {
    diags.error(S_UNREADABLE, `cannot read directory '${dir}': ${errorText(e)}`);
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      // A dangling link matters only if it would have been read.
      if (isInputFileName(name)) {
        diags.error(S_UNREADABLE, `cannot read '${p}': ${errorText(e)}`);
      }
      continue;
    }
    if (isDir) {
      const real = realpathSync(p);
      if (!seen.has(real)) {
        seen.add(real);
        out.push(...listDirectory(p, diags, seen));
      }
    } else if (isInputFileName(name)) {
      out.push(p);
    }
  }
  return out;
}

/** Expand `paths` (files, directories, `-`) into the files to read, in order, each once. */
function expandPaths(paths: readonly string[], diags: Diagnostics): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === STDIN_PATH) {
      out.push(p);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      diags.error(S_UNREADABLE, `cannot read '${p}': ${errorText(e)}`, undefined, "check the path");
      continue;
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const files = listDirectory(p, diags, new Set([realpathSync(p)]));
    if (files.length === 0) {
      diags.warn(
        S_EMPTY_DIRECTORY,
        "input-empty-directory",
        `directory '${p}' holds no .yaml, .yml or .json file`,
      );
    }
    out.push(...files);
  }
  return out;
}

/** Real path of a file, for de-duplication (the path itself if it cannot be resolved). */
function identity(p: string): string {
  if (p === STDIN_PATH) {
    return p;
  }
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Read files, directories (recursively; .yaml/.yml/.json, sorted) and `-` (the caller's `stdin` text),
 * and parse every object in them. A file named twice (directly or through a directory) is read once.
 */
export function readInputs(
  paths: readonly string[],
  diags: Diagnostics,
  options?: { stdin?: string },
): InputSet {
  const files: SourceFile[] = [];
  const done = new Set<string>();
  for (const p of expandPaths(paths, diags)) {
    const id = identity(p);
    if (done.has(id)) {
      continue;
    }
    done.add(id);
    if (p === STDIN_PATH) {
      if (options?.stdin === undefined) {
        diags.error(S_UNREADABLE, "'-' names standard input, but no stdin text was given");
        continue;
      }
      files.push(new SourceFile(STDIN_NAME, options.stdin));
      continue;
    }
    try {
      files.push(new SourceFile(p, readFileSync(p, "utf8")));
    } catch (e) {
      diags.error(
        S_UNREADABLE,
        `cannot read '${p}': ${errorText(e)}`,
        undefined,
        "check the path and its permissions",
      );
    }
  }
  return { files, objects: objectsFromFiles(files, diags) };
}
