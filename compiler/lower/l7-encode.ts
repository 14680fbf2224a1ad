/**
 * @fileoverview Encoder of the L7_RULES section body: rule sets → the word layout documented in
 * runtime/l7/rule-set.ts (the runtime's decoder reads it back).
 */

import {
  L7_FORMAT_VERSION,
  L7_KIND_NUMBERS,
  MISMATCH_ACTIONS,
  NO_STR,
  NO_VALUE,
} from "../../runtime/l7/rule-set.js";
import type { L7RuleOrigin, L7RuleSet } from "../../runtime/l7/rule-set.js";

/** Encode `sets` as an L7_RULES body (length a multiple of 4). */
export function encodeL7RuleSets(sets: readonly L7RuleSet[]): Uint8Array {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const body: number[] = [];
  const str = (s: string | undefined): void => {
    if (s === undefined) {
      body.push(NO_STR);
      return;
    }
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    body.push(i);
  };
  const origin = (o: L7RuleOrigin): void => {
    body.push(o.ruleId, o.index, o.line, o.column, o.flags);
  };
  body.push(sets.length);
  for (const set of sets) {
    body.push(L7_KIND_NUMBERS[set.kind]);
    str(set.kind === "generic" ? set.parser : undefined);
    body.push(set.rules.length);
    switch (set.kind) {
      case "http":
        for (const rule of set.rules) {
          origin(rule);
          str(rule.method);
          str(rule.path);
          str(rule.host);
          body.push(rule.headers.length);
          for (const h of rule.headers) {
            str(h.name);
            str(h.value);
            str(h.secretNamespace);
            str(h.secretName);
            body.push(h.mismatch === undefined ? 0 : MISMATCH_ACTIONS.indexOf(h.mismatch));
          }
        }
        break;
      case "kafka":
        for (const rule of set.rules) {
          origin(rule);
          body.push(rule.role === undefined ? 0 : rule.role === "produce" ? 1 : 2);
          body.push(rule.apiVersion ?? NO_VALUE);
          str(rule.clientId);
          str(rule.topic);
          body.push(rule.apiKeys.length, ...rule.apiKeys);
        }
        break;
      case "dns":
        for (const rule of set.rules) {
          origin(rule);
          str(rule.matchName);
          str(rule.matchPattern);
          str(rule.regex);
        }
        break;
      case "generic":
        for (const rule of set.rules) {
          origin(rule);
          body.push(rule.pairs.length);
          for (const [k, v] of rule.pairs) {
            str(k);
            str(v);
          }
        }
        break;
    }
  }
  const utf8 = strings.map((s) => new TextEncoder().encode(s));
  const stringWords = utf8.reduce((n, b) => n + 1 + Math.ceil(b.length / 4), 0);
  const out = new Uint8Array(4 * (2 + stringWords + body.length));
  const view = new DataView(out.buffer);
  let at = 0;
  const put = (w: number): void => {
    view.setUint32(at, w >>> 0, true);
    at += 4;
  };
  put(L7_FORMAT_VERSION);
  put(utf8.length);
  for (const b of utf8) {
    put(b.length);
    out.set(b, at);
    at += 4 * Math.ceil(b.length / 4);
  }
  body.forEach(put);
  return out;
}
