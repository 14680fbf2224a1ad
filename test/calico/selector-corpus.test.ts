/**
 * @fileoverview Every table of ../shared/corpus/calico/selector_cases.json (upstream's selector test
 * tables): evaluation (each label map, also after re-parsing the canonical string), bad selectors,
 * canonical strings and unique IDs, the prefix visitor, token streams and label restrictions (also
 * behind `all() && (…)`, as upstream checks). Skipped with a notice when the corpus is absent.
 */

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CalicoSelectorError,
  parseSelector,
  tokenize,
  UPSTREAM_TOKEN_NAMES,
} from "../../compiler/frontends/calico/selector/index.js";
import { restrictionsToJson } from "../../compiler/frontends/calico/selector/restrictions.js";

type LabelMap = Record<string, string>;
type RestrictionJson = { MustBePresent?: boolean; MustBeAbsent?: boolean; MustHaveOneOfValues?: string[] };

/** The shape of selector_cases.json (see the corpus README). */
interface Corpus {
  readonly cases: readonly { selector: string; matches: LabelMap[]; nonMatches: LabelMap[] }[];
  readonly badSelectors: readonly string[];
  readonly canonicalisation: readonly { input: string; canonical: string; uid: string | null }[];
  readonly visitor: readonly { name: string; input: string; "outputWithPrefix_visited/": string }[];
  readonly tokenizer: readonly {
    input: string;
    tokens: { kind: string; value?: string }[] | null;
    error: boolean;
  }[];
  readonly labelRestrictions: readonly {
    selector: string;
    restrictions: Record<string, RestrictionJson> | null;
  }[];
}

const CORPUS_URL = new URL("../../../shared/corpus/calico/selector_cases.json", import.meta.url);
const present = existsSync(CORPUS_URL);
if (!present) {
  console.warn(
    `notice: ${fileURLToPath(CORPUS_URL)} is absent; the Calico selector corpus tests are skipped`,
  );
}
const EMPTY: Corpus = {
  cases: [],
  badSelectors: [],
  canonicalisation: [],
  visitor: [],
  tokenizer: [],
  labelRestrictions: [],
};
const corpus: Corpus = present ? (JSON.parse(readFileSync(CORPUS_URL, "utf8")) as Corpus) : EMPTY;

/** A short, printable test name for a selector (two inputs are 512+ characters long). */
const show = (s: string): string =>
  JSON.stringify(s.length > 60 ? `${s.slice(0, 40)}…(${s.length} chars)` : s);

/** One test per label map: [selector, labels, expected]. */
const evaluations = corpus.cases.flatMap((c) => [
  ...c.matches.map((m) => [c.selector, m, true] as const),
  ...c.nonMatches.map((m) => [c.selector, m, false] as const),
]);

describe.skipIf(!present)("Calico selector corpus", () => {
  it("has the tables the README lists", () => {
    expect(evaluations).toHaveLength(98);
    expect(corpus.badSelectors).toHaveLength(26);
    expect(corpus.canonicalisation).toHaveLength(17);
    expect(corpus.canonicalisation.filter((c) => c.uid !== null)).toHaveLength(5);
    expect(corpus.visitor).toHaveLength(11);
    expect(corpus.tokenizer).toHaveLength(49);
    expect(corpus.labelRestrictions).toHaveLength(32);
  });

  describe("evaluation (98 label maps)", () => {
    it.each(evaluations.map(([s, m, want], i) => [i, show(s), JSON.stringify(m), want, s, m] as const))(
      "#%i %s on %s → %s",
      (_i, _name, _labels, want, selector, labels) => {
        const sel = parseSelector(selector);
        expect(sel.matches(labels)).toBe(want);
        expect(sel.matches(new Map(Object.entries(labels)))).toBe(want);
        expect(parseSelector(sel.toString()).matches(labels)).toBe(want);
      },
    );
  });

  describe("bad selectors (26)", () => {
    it.each(corpus.badSelectors.map((s, i) => [i, show(s), s] as const))(
      "#%i %s is rejected",
      (_i, _n, s) => {
        expect(() => parseSelector(s)).toThrow(CalicoSelectorError);
      },
    );
  });

  describe("canonical strings (17)", () => {
    it.each(corpus.canonicalisation.map((c) => [show(c.input), c.canonical, c.input] as const))(
      "%s → %s",
      (_n, canonical, input) => {
        const sel = parseSelector(input);
        expect(sel.toString()).toBe(canonical);
        expect(parseSelector(canonical).toString()).toBe(canonical);
      },
    );
  });

  describe("unique IDs (5 entries, 3 distinct IDs)", () => {
    const withUid = corpus.canonicalisation.filter((c) => c.uid !== null);
    it.each(withUid.map((c) => [show(c.input), c.uid!, c.input] as const))("%s → %s", (_n, uid, input) => {
      expect(parseSelector(input).uniqueId()).toBe(uid);
    });
  });

  describe("prefix visitor (11)", () => {
    it.each(corpus.visitor.map((v) => [v.name, v.input, v["outputWithPrefix_visited/"]] as const))(
      "%s",
      (_name, input, output) => {
        expect(parseSelector(input).withLabelPrefix("visited/").toString()).toBe(output);
      },
    );
  });

  describe("token streams (49)", () => {
    it.each(corpus.tokenizer.map((t, i) => [i, show(t.input), t] as const))("#%i %s", (_i, _n, t) => {
      if (t.error) {
        expect(() => tokenize(t.input)).toThrow(CalicoSelectorError);
        return;
      }
      const got = tokenize(t.input).map((tok) =>
        tok.type === "label" || tok.type === "string" || tok.type === "has"
          ? { kind: UPSTREAM_TOKEN_NAMES[tok.type], value: tok.value }
          : { kind: UPSTREAM_TOKEN_NAMES[tok.type] },
      );
      expect(got).toEqual(t.tokens);
    });
  });

  describe("label restrictions (32, and 31 behind all() && (…))", () => {
    it.each(corpus.labelRestrictions.map((r) => [show(r.selector), r] as const))("%s", (_n, r) => {
      const want = r.restrictions ?? {};
      expect(restrictionsToJson(parseSelector(r.selector).labelRestrictions())).toEqual(want);
      if (r.selector !== "") {
        const wrapped = parseSelector(`all() && (${r.selector})`);
        expect(restrictionsToJson(wrapped.labelRestrictions())).toEqual(want);
      }
    });
  });
});
