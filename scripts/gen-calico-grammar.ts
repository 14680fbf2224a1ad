/**
 * @fileoverview Generates compiler/frontends/calico/selector/grammar.generated.ts from selector.ne.
 *
 * The grammar source is parsed and compiled with nearley's own compiler (the code behind `nearleyc`),
 * then written out as a typed, lint-clean TypeScript module instead of nearleyc's untyped JavaScript:
 * terminals become `{ type: "<token kind>" }` objects and every action a reference to a function of
 * build.ts. The script refuses anything else a .ne file could hold (`@lexer`, inline JavaScript, string
 * or regex terminals, undefined symbols), so the generated file never contains code that was not
 * reviewed in build.ts. Output is formatted with the repository's Prettier settings.
 *
 * Run: npx tsx scripts/gen-calico-grammar.ts           (rewrite the file)
 *      npx tsx scripts/gen-calico-grammar.ts --check   (exit 1 if the file is stale)
 */

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import nearley from "nearley";
import * as prettier from "prettier";
import * as build from "../compiler/frontends/calico/selector/build.js";
import { UPSTREAM_TOKEN_NAMES } from "../compiler/frontends/calico/selector/lexer.js";

const DIR = new URL("../compiler/frontends/calico/selector/", import.meta.url);
/** The grammar source. */
export const GRAMMAR_SOURCE = fileURLToPath(new URL("selector.ne", DIR));
/** The generated module. */
export const GRAMMAR_OUTPUT = fileURLToPath(new URL("grammar.generated.ts", DIR));

/** A rule as nearley's compiler returns it (the fields this script reads). */
interface CompiledRule {
  readonly name: string;
  readonly symbols: readonly unknown[];
  readonly postprocess?: unknown;
}

/** nearley's compiler result (`lib/compile.js`). */
interface Compiled {
  readonly rules: readonly CompiledRule[];
  readonly start: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly body: readonly unknown[];
}

const require = createRequire(import.meta.url);
const compile = require("nearley/lib/compile.js") as (structure: unknown, opts: object) => Compiled;
const bootstrapped = require("nearley/lib/nearley-language-bootstrapped.js") as nearley.CompiledRules;

/** Parse and compile .ne source with nearley's compiler, as nearleyc does. */
function compileNe(source: string): Compiled {
  const parser = new nearley.Parser(nearley.Grammar.fromCompiled(bootstrapped));
  parser.feed(source);
  parser.feed("\n");
  const structure: unknown = parser.results[0];
  if (structure === undefined) {
    throw new Error(`${GRAMMAR_SOURCE}: incomplete grammar`);
  }
  return compile(structure, {});
}

/** The TypeScript text of one grammar symbol. */
function symbolText(rule: CompiledRule, sym: unknown, names: ReadonlySet<string>): string {
  if (typeof sym === "string") {
    if (!names.has(sym)) {
      throw new Error(`rule ${rule.name}: undefined symbol ${sym}`);
    }
    return JSON.stringify(sym);
  }
  if (typeof sym === "object" && sym !== null && "token" in sym && typeof sym.token === "string") {
    if (!Object.hasOwn(UPSTREAM_TOKEN_NAMES, sym.token)) {
      throw new Error(`rule ${rule.name}: %${sym.token} is not a token kind of lexer.ts`);
    }
    return `{ type: ${JSON.stringify(sym.token)} }`;
  }
  throw new Error(`rule ${rule.name}: only %token terminals and rule names are allowed`);
}

/** The TypeScript text of a rule's action: `build.<name>`, checked against build.ts. */
function actionText(rule: CompiledRule): string {
  const m = typeof rule.postprocess === "string" ? /^\s*build\.(\w+)\s*$/.exec(rule.postprocess) : null;
  const fn = m?.[1];
  if (fn === undefined || typeof (build as Record<string, unknown>)[fn] !== "function") {
    throw new Error(`rule ${rule.name}: the action must be {% build.<function of build.ts> %}`);
  }
  return `build.${fn}`;
}

/** The generated module's text (formatted). */
export async function generateGrammarSource(): Promise<string> {
  const compiled = compileNe(readFileSync(GRAMMAR_SOURCE, "utf8"));
  if (Object.keys(compiled.config).length > 0 || compiled.body.length > 0) {
    throw new Error(`${GRAMMAR_SOURCE}: @directives and inline JavaScript are not supported`);
  }
  const names = new Set(compiled.rules.map((r) => r.name));
  const rules = compiled.rules.map((r) => {
    const symbols = r.symbols.map((s) => symbolText(r, s, names)).join(", ");
    return `{ name: ${JSON.stringify(r.name)}, symbols: [${symbols}], postprocess: ${actionText(r)} },`;
  });
  const text = `/**
 * @fileoverview Generated file, do not edit. Calico's selector grammar as nearley rules, compiled from
 * selector.ne by scripts/gen-calico-grammar.ts (run \`npx tsx scripts/gen-calico-grammar.ts\`).
 */

import type { CompiledRules } from "nearley";
import * as build from "./build.js";

/** The compiled grammar; terminals match the \`type\` of lexer.ts tokens. */
export const grammar: CompiledRules = {
  ParserStart: ${JSON.stringify(compiled.start)},
  ParserRules: [
${rules.join("\n")}
  ],
};
`;
  const options = (await prettier.resolveConfig(GRAMMAR_OUTPUT)) ?? {};
  return prettier.format(text, { ...options, filepath: GRAMMAR_OUTPUT });
}

async function main(): Promise<void> {
  const text = await generateGrammarSource();
  if (process.argv.includes("--check")) {
    const current = readFileSync(GRAMMAR_OUTPUT, "utf8");
    if (current !== text) {
      console.error(`${GRAMMAR_OUTPUT} is stale: run npx tsx scripts/gen-calico-grammar.ts`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(GRAMMAR_OUTPUT, text);
  console.log(`wrote ${GRAMMAR_OUTPUT}`);
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(resolve(entry)).href === import.meta.url) {
  await main();
}
