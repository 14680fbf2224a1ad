/**
 * @fileoverview An L7 rule set compiled once for the datapath: the same decision as `evaluateL7`
 * (match.ts), without the per-request work that only `trace` needs — each rule's regexes are resolved to
 * RegExp objects up front (a regex with no JavaScript equivalent makes its rule never match, as in
 * match.ts), no notes array and no decision object are built per request.
 */

import { dnsRuleName, evalKafka, headerMatches } from "./match.js";
import type { L7AnyRule, L7Request } from "./match.js";
import { compileAnchored, compileFullMatch } from "./re2.js";
import { RULE_WILDCARD } from "./rule-set.js";
import type { L7HttpRule, L7RuleSet } from "./rule-set.js";

/** A field condition: absent (matches anything), a regex, or one that can never match. */
type Condition = RegExp | undefined | false;

function full(source: string | undefined): Condition {
  if (source === undefined) {
    return undefined;
  }
  const c = compileFullMatch(source);
  return c.ok ? c.re : false;
}

function holds(c: Condition, value: string): boolean {
  return c === undefined || (c !== false && c.test(value));
}

interface CompiledHttp {
  readonly rule: L7HttpRule;
  readonly wildcard: boolean;
  readonly method: Condition;
  readonly path: Condition;
  readonly host: Condition;
}

/** Decides requests for one rule set: the allowing rule, undefined when denied, null when not evaluated. */
export type L7Decider = (req: L7Request) => L7AnyRule | undefined | null;

/** Unused notes sink: the compiled path does not report why a rule could not be evaluated. */
const NO_NOTES: string[] = [];

/** Compile `set` into a decider. */
export function compileL7Set(set: L7RuleSet): L7Decider {
  switch (set.kind) {
    case "generic":
      return () => null;
    case "kafka": {
      const rules = set.rules;
      return (req) => (req.kind === "kafka" ? evalKafka(rules, req) : undefined);
    }
    case "dns": {
      const rules = set.rules.map((rule) => {
        const c = compileAnchored(rule.regex);
        return { rule, wildcard: (rule.flags & RULE_WILDCARD) !== 0, re: c.ok ? c.re : undefined };
      });
      return (req) => {
        if (req.kind !== "dns") {
          return undefined;
        }
        const name = dnsRuleName(req.name);
        for (const r of rules) {
          if (r.wildcard || (r.re !== undefined && r.re.test(name))) {
            return r.rule;
          }
        }
        return undefined;
      };
    }
    case "http": {
      const rules: CompiledHttp[] = set.rules.map((rule) => ({
        rule,
        wildcard: (rule.flags & RULE_WILDCARD) !== 0,
        method: full(rule.method),
        path: full(rule.path),
        host: full(rule.host),
      }));
      return (req) => {
        if (req.kind !== "http") {
          return undefined;
        }
        const h = req;
        for (const r of rules) {
          if (r.wildcard) {
            return r.rule;
          }
          if (!holds(r.method, h.method) || !holds(r.path, h.path) || !holds(r.host, h.host)) {
            continue;
          }
          let ok = true;
          for (const cond of r.rule.headers) {
            if (!headerMatches(cond, h, NO_NOTES)) {
              ok = false;
              break;
            }
          }
          if (ok) {
            return r.rule;
          }
        }
        return undefined;
      };
    }
  }
}
