/**
 * @fileoverview Prints `.table` blocks: the head with its key spec, then one aligned line per entry
 * (matches, `->`, verdict and the non-default action options), with the rule's policy source in a
 * trailing comment when the source map knows the rule id.
 */

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  entryStride,
  keyDataWords,
} from "../../runtime/bytecode/bundle.js";
import { NO_RULE } from "../../runtime/bytecode/opcodes.js";
import type { KeyField, TableDef } from "../../runtime/bytecode/bundle.js";
import { VERDICT_NAMES } from "../../runtime/verdict.js";
import { formatScalar, hex, keySpecText, keyStyle } from "./lexicon.js";
import type { RefPrinter } from "./refs.js";

/** Text of one key field's match data (`words` = that field's slice of the entry). */
function matchText(key: KeyField, words: Uint32Array): string {
  const w = key.words;
  const style = keyStyle(key);
  switch (key.kind) {
    case MATCH_EXACT:
      return formatScalar(words, style);
    case MATCH_LPM: {
      const plen = words[w]!;
      // An IPv4-mapped prefix of a 128-bit field prints as plain IPv4 (10.0.0.0/8 = ::ffff:10.0.0.0/104).
      if (w === 4 && plen >= 96 && words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
        return `${formatScalar([words[3]!], "ip4")}/${plen - 96}`;
      }
      return `${formatScalar(words.subarray(0, w), style === "dec" ? "hex" : style)}/${plen}`;
    }
    case MATCH_RANGE: {
      const lo = words[0]!;
      const hi = words[1]!;
      if (lo === 0 && hi === 0xffffffff) {
        return "*";
      }
      return lo === hi
        ? formatScalar([lo], style)
        : `${formatScalar([lo], style)}-${formatScalar([hi], style)}`;
    }
    default: {
      if (words.every((x) => x === 0)) {
        return "*";
      }
      const s = style === "dec" ? "hex" : style;
      const value = formatScalar(words.subarray(0, w), s);
      return words.subarray(w).every((m) => m === 0xffffffff)
        ? value
        : `${value}/${formatScalar(words.subarray(w), s)}`;
    }
  }
}

/** The cells of one entry: each match, then the action text; and its trailing comment. */
function entryCells(
  t: TableDef,
  e: number,
  ruleComment: (id: number) => string | undefined,
): { cells: string[]; comment: string | undefined } {
  const stride = entryStride(t);
  const entry = t.entries.subarray(e * stride, (e + 1) * stride);
  const cells: string[] = [];
  let at = 1;
  for (const key of t.keys) {
    const n = keyDataWords(key);
    cells.push(matchText(key, entry.subarray(at, at + n)));
    at += n;
  }
  const verdict = entry[at]!;
  const rule = entry[at + 1]!;
  const flags = entry[at + 2]!;
  const data = Array.from(entry.subarray(at + 3));
  const action = [`-> ${VERDICT_NAMES[verdict] ?? verdict}`];
  if (rule !== NO_RULE) {
    action.push(`rule=${rule}`);
  }
  if (flags !== 0) {
    action.push(`flags=${hex(flags)}`);
  }
  if (data.some((d) => d !== 0)) {
    action.push(`data=${data.join(",")}`);
  }
  if (entry[0] !== 0) {
    action.push(`prio=${entry[0]!}`);
  }
  cells.push(action.join(" "));
  return { cells, comment: rule === NO_RULE ? undefined : ruleComment(rule) };
}

/** The lines of table `index`'s block. */
export function printTable(
  t: TableDef,
  index: number,
  refs: RefPrinter,
  ruleComment: (id: number) => string | undefined,
): string[] {
  const aw = t.actionWords > 0 ? ` action_words=${t.actionWords}` : "";
  const count = `${t.entryCount} entr${t.entryCount === 1 ? "y" : "ies"}`;
  const lines = [
    `.table ${refs.name(t.name)} key=${t.keys.map(keySpecText).join(",")}${aw}  # @${index}, ${count}`,
  ];
  const rows = Array.from({ length: t.entryCount }, (_, e) => entryCells(t, e, ruleComment));
  const widths = t.keys.map((_, k) => Math.max(...rows.map((r) => r.cells[k]!.length)));
  for (const { cells, comment } of rows) {
    const matches = cells
      .slice(0, -1)
      .map((c, k) => c.padEnd(widths[k]!))
      .join("  ");
    const text = `    ${matches}  ${cells.at(-1)!}`;
    lines.push(comment === undefined ? text : `${text.padEnd(60)}  # ${comment}`);
  }
  return lines;
}
