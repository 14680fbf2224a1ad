/**
 * @fileoverview Resolves one `.table` block (head and entry lines) into a TableDef.
 *
 * The head names the key fields and their match kinds (`key=meta0:exact,dst_port:range`) and the
 * number of action data words; each entry line gives one match per key field and then the action.
 * Entries are checked here as the decoder would check them (prefix host bits, range order, ternary
 * value within mask), so the error points at the entry and can suggest the intended value.
 */

import {
  MATCH_EXACT,
  MATCH_KIND_NAMES,
  MATCH_LPM,
  MATCH_RANGE,
  MAX_ACTION_WORDS,
  MAX_KEY_FIELDS,
  entryStride,
} from "../../runtime/bytecode/bundle.js";
import type { KeyField, TableDef } from "../../runtime/bytecode/bundle.js";
import { NO_RULE } from "../../runtime/bytecode/opcodes.js";
import { CONTEXT_FIELDS, contextField, contextFieldByName } from "../../runtime/context.js";
import { suggest } from "./errors.js";
import type { Fail, Pos } from "./errors.js";
import {
  VERDICT_BY_NAME,
  formatScalar,
  keySpecText,
  keyStyle,
  parseIPv4,
  parseIPv6,
  parseNumber,
  prefixMask,
} from "./lexicon.js";
import { find } from "./syntax.js";
import type { Node, ParsedLine } from "./syntax.js";
import { numberIn, readOptions, u32 } from "./values.js";
import type { StringPool } from "./values.js";

/** A resolved table and where it was defined. */
export interface ResolvedTable {
  /** The table. */
  readonly def: TableDef;
  /** The `.table` line. */
  readonly at: Pos;
}

function readKeys(head: Node, fail: Fail): KeyField[] {
  const keyOptions = head.children.filter((c) => c.children[0]?.type === "KeyOption");
  if (keyOptions.length !== 1) {
    return fail(
      "bad-key",
      keyOptions[1] ?? head,
      "a table needs exactly one key=FIELD:KIND[,FIELD:KIND...] option",
    );
  }
  const specs = keyOptions[0]!.children[0]!.children;
  if (specs.length > MAX_KEY_FIELDS) {
    fail("bad-key", specs[MAX_KEY_FIELDS]!, `a table has at most ${MAX_KEY_FIELDS} key fields`);
  }
  return specs.map((spec) => {
    const [fieldNode, kindNode] = spec.children as [Node, Node];
    const info = contextFieldByName(fieldNode.text);
    if (info === undefined) {
      return fail(
        "unknown-field",
        fieldNode,
        `unknown context field \`${fieldNode.text}\`${suggest(
          fieldNode.text,
          CONTEXT_FIELDS.map((f) => f.name),
        )}`,
      );
    }
    const kind = MATCH_KIND_NAMES.indexOf(kindNode.text);
    if (kind < 0) {
      fail(
        "bad-key",
        kindNode,
        `unknown match kind \`${kindNode.text}\`${suggest(kindNode.text, MATCH_KIND_NAMES)}; kinds: ${MATCH_KIND_NAMES.join(", ")}`,
      );
    }
    if (kind === MATCH_RANGE && info.words !== 1) {
      fail(
        "bad-key",
        kindNode,
        `range match needs a 32-bit field; ${info.name} is 128 bits (use lpm or ternary)`,
      );
    }
    return { field: info.id, words: info.words, kind };
  });
}

/** The words of a Scalar node for `key`'s field width. */
function scalar(node: Node, key: KeyField, fail: Fail): number[] {
  const v = node.children[0]!;
  const name = contextField(key.field)!.name;
  if (key.words === 4) {
    if (v.type === "IPv4") {
      const a = parseIPv4(v.text);
      return a === undefined
        ? fail("bad-address", v, `\`${v.text}\` is not an IPv4 address`)
        : [0, 0, 0xffff, a];
    }
    const words = v.type === "IPv6" ? parseIPv6(v.text) : undefined;
    return (
      words ??
      fail(
        "bad-address",
        v,
        `\`${v.text}\` is not an IPv6 address; ${name} takes 128-bit addresses such as fd00::1`,
      )
    );
  }
  if (v.type === "IPv6") {
    return fail("bad-address", v, `\`${v.text}\` is a 128-bit address; ${name} is 32 bits`);
  }
  if (v.type === "IPv4") {
    const a = parseIPv4(v.text);
    return a === undefined
      ? fail("bad-address", v, `\`${v.text}\` is not an IPv4 address (four octets 0..255)`)
      : [a];
  }
  return [u32(v, `${name} value`, fail)];
}

function ones(words: number): number[] {
  return new Array<number>(words).fill(0xffffffff);
}

/** The form of a Match node: `*`, one value, LOW-HIGH, or VALUE/SUFFIX (prefix length or mask). */
function matchForm(m: Node): {
  form: "wildcard" | "scalar" | "range" | "masked";
  a: Node;
  b: Node | undefined;
} {
  const [a, end] = m.children as [Node, Node | undefined];
  if (a.type === "Wildcard") {
    return { form: "wildcard", a, b: undefined };
  }
  if (end === undefined) {
    return { form: "scalar", a, b: undefined };
  }
  return { form: end.type === "RangeEnd" ? "range" : "masked", a, b: end.children[0]! };
}

/** Key data words of one Match node for `key`, checked as the decoder checks them. */
function matchData(m: Node, key: KeyField, fail: Fail): number[] {
  const { form, a, b } = matchForm(m);
  const name = contextField(key.field)!.name;
  const kindName = MATCH_KIND_NAMES[key.kind]!;
  const wrongForm = (want: string): never =>
    fail("bad-entry", m, `${name} is matched ${kindName}: write ${want}, not \`${m.text}\``);
  const zeros = new Array<number>(key.words).fill(0);
  switch (key.kind) {
    case MATCH_EXACT:
      return form === "scalar" ? scalar(a, key, fail) : wrongForm("one value");
    case MATCH_LPM: {
      if (form === "wildcard") {
        return [...zeros, 0];
      }
      if (form === "scalar") {
        return [...scalar(a, key, fail), 32 * key.words];
      }
      if (form !== "masked") {
        return wrongForm("ADDRESS/LENGTH");
      }
      const value = scalar(a, key, fail);
      if (b!.children[0]!.type !== "Number") {
        return fail("bad-prefix", b!, `a prefix length is a number 0..${32 * key.words}, not \`${b!.text}\``);
      }
      let plen = parseNumber(b!.text);
      // In a 128-bit field an IPv4 prefix means its IPv4-mapped form: 10.0.0.0/8 is ::ffff:10.0.0.0/104.
      const ip4In128 = key.words === 4 && a.text.includes(".") && !a.text.includes(":");
      if (ip4In128) {
        if (!(plen >= 0 && plen <= 32)) {
          fail("bad-prefix", b!, `an IPv4 prefix length is 0..32, not ${b!.text}`);
        }
        plen += 96;
      }
      if (!(plen >= 0 && plen <= 32 * key.words)) {
        fail(
          "bad-prefix",
          b!,
          `prefix length ${b!.text} does not fit ${name}: it must be 0..${32 * key.words}`,
        );
      }
      const net = value.map((w, i) => (w & prefixMask(plen - 32 * i)) >>> 0);
      if (net.some((w, i) => w !== value[i])) {
        const fixed = ip4In128
          ? `${formatScalar([net[3]!], "ip4")}/${plen - 96}`
          : `${formatScalar(net, keyStyle(key) === "ip4" ? "ip4" : "hex")}/${plen}`;
        fail("bad-prefix", m, `${m.text} has bits set beyond the prefix length; did you mean ${fixed}?`);
      }
      return [...value, plen];
    }
    case MATCH_RANGE: {
      if (form === "wildcard") {
        return [0, 0xffffffff];
      }
      if (form === "scalar") {
        const v = scalar(a, key, fail)[0]!;
        return [v, v];
      }
      if (form !== "range") {
        return wrongForm("LOW-HIGH, one value, or *");
      }
      const lo = scalar(a, key, fail)[0]!;
      const hi = scalar(b!, key, fail)[0]!;
      return lo <= hi
        ? [lo, hi]
        : fail("bad-range", m, `range ${m.text} is empty: write the low end first (${b!.text}-${a.text})`);
    }
    default: {
      if (form === "wildcard") {
        return [...zeros, ...zeros];
      }
      if (form === "scalar") {
        return [...scalar(a, key, fail), ...ones(key.words)];
      }
      if (form !== "masked") {
        return wrongForm("VALUE/MASK, one value, or *");
      }
      const value = scalar(a, key, fail);
      const mask = scalar(b!, key, fail);
      if (value.some((w, i) => (w & ~mask[i]!) !== 0)) {
        const fixed = value.map((w, i) => (w & mask[i]!) >>> 0);
        const style = keyStyle(key) === "ip4" ? "ip4" : "hex";
        const suggestion = `${formatScalar(fixed, style)}/${formatScalar(mask, style)}`;
        fail("bad-ternary", m, `${m.text}: the value has bits outside the mask; did you mean ${suggestion}?`);
      }
      return [...value, ...mask];
    }
  }
}

const ENTRY_OPTIONS = { rule: "number", flags: "number", data: "numbers", prio: "number" } as const;

/** Words of one entry line: priority, key data, verdict, rule id, flags, action data. */
function entryWords(
  entry: Node,
  keys: readonly KeyField[],
  actionWords: number,
  tableName: string,
  fail: Fail,
): number[] {
  const matches = entry.children.filter((c) => c.type === "Match");
  if (matches.length !== keys.length) {
    const specs = keys.map(keySpecText).join(" ");
    fail(
      "bad-entry",
      matches[keys.length] ?? entry,
      `entry has ${matches.length} matches; table ${tableName} has ${keys.length} key fields (${specs})`,
    );
  }
  const action = find(entry, "Action")!;
  const verdictNode = action.children[0]!;
  const word = verdictNode.children[0]!;
  let verdict: number;
  if (word.type === "Word") {
    verdict =
      VERDICT_BY_NAME.get(word.text) ??
      fail(
        "unknown-verdict",
        word,
        `unknown verdict \`${word.text}\`${suggest(word.text, VERDICT_BY_NAME.keys())}; verdicts: ${[...VERDICT_BY_NAME.keys()].join(", ")}`,
      );
  } else {
    verdict = u32(word, "verdict", fail);
  }
  const opts = readOptions(action, ENTRY_OPTIONS, "a table entry", fail);
  const data = opts.get("data")?.children ?? [];
  if (data.length !== 0 && data.length !== actionWords) {
    fail(
      "bad-entry",
      opts.get("data")!,
      `data has ${data.length} words; table ${tableName} has action_words=${actionWords}`,
    );
  }
  const num = (name: string, dflt: number): number => {
    const n = opts.get(name);
    return n === undefined ? dflt : u32(n, name, fail);
  };
  const words = [num("prio", 0)];
  keys.forEach((key, i) => words.push(...matchData(matches[i]!, key, fail)));
  words.push(verdict, num("rule", NO_RULE), num("flags", 0));
  for (let i = 0; i < actionWords; i++) {
    const d = data[i];
    words.push(d === undefined ? 0 : u32(d, "data word", fail));
  }
  return words;
}

/** Resolve a `.table` head and its body lines; the name is interned into `pool`. */
export function resolveTable(
  head: Node,
  body: readonly ParsedLine[],
  pool: StringPool,
  fail: Fail,
): ResolvedTable {
  const nameNode = head.children[0]!;
  const name = pool.ref(nameNode, fail);
  const keys = readKeys(head, fail);
  const optionsNode: Node = {
    ...head,
    children: head.children.flatMap((c) => c.children).filter((c) => c.type === "Option"),
  };
  const opts = readOptions(optionsNode, { action_words: "number" }, "a table", fail);
  const aw = opts.get("action_words");
  const actionWords = aw === undefined ? 0 : numberIn(aw, 0, MAX_ACTION_WORDS, "action_words", fail);
  const stride = entryStride({ keys, actionWords });
  const entryNodes = body.map((l) => find(l.node, "Entry")).filter((e) => e !== undefined);
  const entries = new Uint32Array(entryNodes.length * stride);
  entryNodes.forEach((e, i) => {
    entries.set(entryWords(e, keys, actionWords, nameNode.text, fail), i * stride);
  });
  const def: TableDef = { name, flags: 0, keys, actionWords, entryCount: entryNodes.length, entries };
  return { def, at: head };
}
