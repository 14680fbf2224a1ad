/**
 * @fileoverview Generated file, do not edit. Calico's selector grammar as nearley rules, compiled from
 * selector.ne by scripts/gen-calico-grammar.ts (run `npx tsx scripts/gen-calico-grammar.ts`).
 */

import type { CompiledRules } from "nearley";
import * as build from "./build.js";

/** The compiled grammar; terminals match the `type` of lexer.ts tokens. */
export const grammar: CompiledRules = {
  ParserStart: "main",
  ParserRules: [
    { name: "main", symbols: [{ type: "eof" }], postprocess: build.empty },
    { name: "main", symbols: ["or", { type: "eof" }], postprocess: build.first },
    { name: "or", symbols: ["andList"], postprocess: build.or },
    { name: "andList", symbols: ["and"], postprocess: build.list },
    { name: "andList", symbols: ["andList", { type: "or" }, "and"], postprocess: build.append },
    { name: "and", symbols: ["opList"], postprocess: build.and },
    { name: "opList", symbols: ["op"], postprocess: build.list },
    { name: "opList", symbols: ["opList", { type: "and" }, "op"], postprocess: build.append },
    { name: "op", symbols: ["nots", "atom"], postprocess: build.negate },
    { name: "nots", symbols: [], postprocess: build.zero },
    { name: "nots", symbols: ["nots", { type: "not" }], postprocess: build.increment },
    { name: "atom", symbols: [{ type: "has" }], postprocess: build.hasLabel },
    { name: "atom", symbols: [{ type: "all" }], postprocess: build.all },
    { name: "atom", symbols: [{ type: "global" }], postprocess: build.global },
    { name: "atom", symbols: [{ type: "lparen" }, "or", { type: "rparen" }], postprocess: build.second },
    {
      name: "atom",
      symbols: [{ type: "label" }, "compareOp", { type: "string" }],
      postprocess: build.compare,
    },
    { name: "atom", symbols: [{ type: "label" }, "setOp", "set"], postprocess: build.membership },
    { name: "compareOp", symbols: [{ type: "eq" }], postprocess: build.first },
    { name: "compareOp", symbols: [{ type: "ne" }], postprocess: build.first },
    { name: "compareOp", symbols: [{ type: "contains" }], postprocess: build.first },
    { name: "compareOp", symbols: [{ type: "startsWith" }], postprocess: build.first },
    { name: "compareOp", symbols: [{ type: "endsWith" }], postprocess: build.first },
    { name: "setOp", symbols: [{ type: "in" }], postprocess: build.first },
    { name: "setOp", symbols: [{ type: "notIn" }], postprocess: build.first },
    { name: "set", symbols: [{ type: "lbrace" }, { type: "rbrace" }], postprocess: build.emptyList },
    { name: "set", symbols: [{ type: "lbrace" }, "members", { type: "rbrace" }], postprocess: build.second },
    {
      name: "set",
      symbols: [{ type: "lbrace" }, "members", { type: "comma" }, { type: "rbrace" }],
      postprocess: build.second,
    },
    { name: "members", symbols: [{ type: "string" }], postprocess: build.list },
    {
      name: "members",
      symbols: ["members", { type: "comma" }, { type: "string" }],
      postprocess: build.append,
    },
  ],
};
