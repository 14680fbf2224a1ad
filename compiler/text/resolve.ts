/**
 * @fileoverview Resolves parsed lines into a Bundle: header directives, the string pool, the source
 * map, tables, counters, the program and raw sections.
 *
 * Passes: (1) group lines into blocks, read `.format` / `.flags` and the `.strings` pool; (2) walk
 * the blocks in document order, interning string references as they come (the pool order the
 * disassembler counts on); (3) encode the program, now that every table and counter is known.
 */

import { FORMAT_MAJOR, FORMAT_MINOR, MAX_INSTRUCTIONS, NO_STRING } from "../../runtime/bytecode/bundle.js";
import type { Bundle, SourceMapEntry } from "../../runtime/bytecode/bundle.js";
import { suggest } from "./errors.js";
import type { Fail, Pos } from "./errors.js";
import { FLAG_NAMES, RAW_SECTION_BY_NAME } from "./lexicon.js";
import { collectProgram, encodeProgram } from "./resolve-program.js";
import type { ProgramDraft } from "./resolve-program.js";
import { resolveTable } from "./resolve-table.js";
import type { ResolvedTable } from "./resolve-table.js";
import { find } from "./syntax.js";
import type { BlockKind, Node, ParsedLine } from "./syntax.js";
import { StringPool, readOptions, stringValue, u32 } from "./values.js";

/** A resolved listing: the bundle and the source position of each instruction, by pc. */
export interface Resolved {
  /** The bundle, ready for encodeBundle. */
  readonly bundle: Bundle;
  /** Position of instruction pc. */
  readonly insnAt: readonly Pos[];
}

interface Block {
  readonly kind: BlockKind;
  readonly head: Node;
  readonly body: ParsedLine[];
}

/** Source map options in the order the disassembler prints them (their strings intern in this order). */
const RECORD_OPTIONS = {
  file: "string",
  line: "number",
  col: "number",
  kind: "string",
  ns: "string",
  name: "string",
  index: "number",
  tier: "string",
  label: "string",
} as const;

function readHeader(lines: readonly ParsedLine[], fail: Fail): { minor: number; flags: number } {
  let minor: number | undefined;
  let flags: number | undefined;
  for (const { kind, node } of lines) {
    if (kind !== "free") {
      continue;
    }
    if (node.type === "FormatDirective") {
      const [major, min] = node.children.map((c) => Number(c.text)) as [number, number];
      if (minor !== undefined) {
        fail("duplicate-block", node, "`.format` is given twice");
      }
      if (major !== FORMAT_MAJOR || min > FORMAT_MINOR) {
        fail(
          "bad-header",
          node,
          `format ${major}.${min} is not one this assembler writes; use .format ${FORMAT_MAJOR}.${FORMAT_MINOR}`,
        );
      }
      minor = min;
    } else {
      if (flags !== undefined) {
        fail("duplicate-block", node, "`.flags` is given twice; list every flag on one line (.flags audit)");
      }
      flags = 0;
      for (const f of node.children) {
        const v = f.children[0]!;
        const bit = v.type === "Word" ? FLAG_NAMES.get(v.text) : u32(v, "flags", fail);
        const known = [...FLAG_NAMES.values()].reduce((a, b) => a | b, 0);
        if (bit === undefined || (bit & ~known) !== 0) {
          const names = [...FLAG_NAMES.keys()];
          fail(
            "bad-header",
            v,
            `unknown flag \`${v.text}\`${v.type === "Word" ? suggest(v.text, names) : ""}; flags: ${names.join(", ")}`,
          );
        }
        flags |= bit;
      }
    }
  }
  return { minor: minor ?? FORMAT_MINOR, flags: flags ?? 0 };
}

function groupBlocks(lines: readonly ParsedLine[], fail: Fail): Block[] {
  const blocks: Block[] = [];
  const once = new Map<string, Node>();
  for (const line of lines) {
    if (line.kind === "head") {
      const key = line.block === "section" ? `section ${line.node.children[0]!.text}` : line.block!;
      const before = once.get(key);
      if (before !== undefined && line.block !== "table") {
        fail(
          "duplicate-block",
          line.node,
          `\`.${key}\` is already open on line ${before.line}; merge the two blocks`,
        );
      }
      once.set(key, line.node);
      blocks.push({ kind: line.block!, head: line.node, body: [] });
    } else if (line.kind !== "free") {
      blocks.at(-1)!.body.push(line);
    }
  }
  return blocks;
}

function readRecord(node: Node, pool: StringPool, fail: Fail): SourceMapEntry {
  const record = find(node, "Record")!;
  const opts = readOptions(record, RECORD_OPTIONS, "a source map record", fail);
  const str = (name: string): number => {
    const v = opts.get(name);
    return v === undefined ? NO_STRING : pool.ref(v, fail);
  };
  const num = (name: string, dflt: number): number => {
    const v = opts.get(name);
    return v === undefined ? dflt : u32(v, name, fail);
  };
  // Field order matters: strings intern in option print order (file, kind, ns, name, tier, label).
  const ruleId = u32(record.children[0]!, "rule id", fail);
  const file = str("file");
  const line = num("line", 0);
  const column = num("col", 0);
  const kind = str("kind");
  const namespace = str("ns");
  const name = str("name");
  const ruleIndex = num("index", 0xffffffff);
  const tier = str("tier");
  const label = str("label");
  return { ruleId, file, line, column, kind, namespace, name, ruleIndex, tier, label };
}

function sectionBytes(block: Block, fail: Fail): [number, Uint8Array] {
  const nameNode = block.head.children[0]!;
  const kind = RAW_SECTION_BY_NAME.get(nameNode.text);
  if (kind === undefined) {
    const names = [...RAW_SECTION_BY_NAME.keys()];
    return fail(
      "unknown-section",
      nameNode,
      `\`${nameNode.text}\` is not a raw section${suggest(nameNode.text, names)}; raw sections: ${names.join(", ")}`,
    );
  }
  const numbers = block.body.flatMap((l) => find(l.node, "SectionWords")?.children ?? []);
  const words = numbers.map((n) => u32(n, "section word", fail));
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    view.setUint32(4 * i, w, true);
  });
  return [kind, bytes];
}

/** Resolve the parsed lines of a listing into a bundle. Fails with AsmError through `fail`. */
export function resolveListing(lines: readonly ParsedLine[], fail: Fail): Resolved {
  const { minor, flags } = readHeader(lines, fail);
  const blocks = groupBlocks(lines, fail);
  const pool = new StringPool();
  for (const b of blocks.filter((b) => b.kind === "strings")) {
    for (const l of b.body) {
      const s = find(l.node, "String");
      if (s !== undefined) {
        pool.add(stringValue(s, fail));
      }
    }
  }
  const sourceMap: SourceMapEntry[] = [];
  const tables: ResolvedTable[] = [];
  const counterNames: number[] = [];
  const rawSections = new Map<number, Uint8Array>();
  let draft: ProgramDraft | undefined;
  let programHead: Node | undefined;
  for (const b of blocks) {
    switch (b.kind) {
      case "strings":
        break;
      case "source_map":
        sourceMap.push(...b.body.map((l) => readRecord(l.node, pool, fail)));
        break;
      case "table":
        tables.push(resolveTable(b.head, b.body, pool, fail));
        break;
      case "counters":
        for (const l of b.body) {
          const name = find(l.node, "Name");
          if (name !== undefined) {
            counterNames.push(pool.ref(name, fail));
          }
        }
        break;
      case "program":
        draft = collectProgram(b.body, pool, fail);
        programHead = b.head;
        break;
      case "section":
        rawSections.set(...sectionBytes(b, fail));
        break;
    }
  }
  pool.checkIndexes(fail);
  if (draft === undefined || draft.insns.length === 0) {
    return fail(
      "empty-program",
      programHead ?? { line: 1, col: 1 },
      "a listing needs a .program block with at least one instruction (e.g. ret DROPPED, POLICY_DENIED)",
    );
  }
  const scope = {
    tables: tables.map((t) => pool.strings[t.def.name]!),
    actionWords: tables.map((t) => t.def.actionWords),
    counters: counterNames.map((c) => pool.strings[c]!),
  };
  const { insns, at } = encodeProgram(draft, scope, fail);
  if (draft.insns.length > MAX_INSTRUCTIONS) {
    fail("bad-number", at[MAX_INSTRUCTIONS]!, `a program has at most ${MAX_INSTRUCTIONS} instructions`);
  }
  const bundle: Bundle = {
    minor,
    flags,
    strings: pool.strings,
    sourceMap,
    tables: tables.map((t) => t.def),
    program: { insns, counterNames },
    annotations: draft.annotations,
    rawSections,
  };
  return { bundle, insnAt: at };
}
