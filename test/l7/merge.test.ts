// L7 merging (compiler/lower/l7-merge.ts), one test per rule of ../shared/reference/cilium.md §2.3:
// an L4-only allow on the same peer and port wildcards the L7 rules (the connection is still
// redirected), same-type L7 lists concatenate, different parsers on one peer and port are an error
// ("cannot merge conflicting L7 parsers"), and ensureWildcard adds an allow-all rule when the
// direction is not default-deny.
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { formatLocation } from "../../compiler/diagnostics/source.js";
import { ACT_ALLOW, ACT_REDIRECT, NO_L7_SET } from "../../compiler/lower/actions.js";
import { L7SetTable, S_L7_CONFLICT, mergeL7Rows } from "../../compiler/lower/l7-merge.js";
import type { PolicyRow } from "../../compiler/lower/l7-merge.js";
import { ANY_L4 } from "../../compiler/lower/port-keys.js";
import type { L4Key } from "../../compiler/lower/port-keys.js";
import { evaluateL7 } from "../../runtime/l7/match.js";
import { RULE_FROM_L4, RULE_IMPLICIT, RULE_WILDCARD } from "../../runtime/l7/rule-set.js";
import { frontend } from "../cilium/helpers.js";

const TCP80: L4Key = { ...ANY_L4, proto: 6, protoMask: 0xff, portLo: 80, portHi: 80 };
const TCP81: L4Key = { ...TCP80, portLo: 81, portHi: 81 };

/** A CNP selecting app=svc with the given ingress rules (YAML flow lines). */
function cnp(name: string, ingress: string, extra = ""): string {
  return `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: default}\nspec:\n  endpointSelector: {matchLabels: {app: svc}}\n${extra}  ingress:\n${ingress}`;
}
const FROM_X = "  - fromEndpoints: [{matchLabels: {app: x}}]\n";
const HTTP_GET = `${FROM_X}    toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]\n`;
const HTTP_PUT = `${FROM_X}    toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: PUT, path: /a}]}}]\n`;
const KAFKA = `${FROM_X}    toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {kafka: [{role: produce}]}}]\n`;
const L4_ONLY = `${FROM_X}    toPorts: [{ports: [{port: '80', protocol: TCP}]}]\n`;

/** Rule entries of the policies, and one allow row per entry for `peer` × `key`. */
function rows(yaml: string, peer: number | "any" = 7, key: L4Key = TCP80): PolicyRow[] {
  const r = frontend(yaml);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.entries.flatMap((e, i) =>
    e.type === "rule" ? [{ priority: 1, peer, key, verdict: ACT_ALLOW, ruleId: i, reason: 0, entry: e }] : [],
  );
}
const GET = { kind: "http", method: "GET", path: "/", host: "", headers: [] } as const;
const PUT_A = { ...GET, method: "PUT", path: "/a" };

describe("L7 merging", () => {
  it("one rule with L7: a redirect row with its rules", () => {
    const sets = new L7SetTable();
    const out = mergeL7Rows(rows(cnp("a", HTTP_GET)), sets);
    expect(out.map((r) => [r.verdict, r.l7Set])).toEqual([[ACT_REDIRECT, 0]]);
    expect(sets.sets).toEqual([
      { kind: "http", rules: [expect.objectContaining({ ruleId: 1, index: 0, flags: 0, method: "GET" })] },
    ]);
  });

  it("same-type L7 lists on one peer and port concatenate", () => {
    const sets = new L7SetTable();
    const out = mergeL7Rows(rows(`${cnp("a", HTTP_GET)}\n---\n${cnp("b", HTTP_PUT)}`), sets);
    expect(out.map((r) => r.l7Set)).toEqual([0, 0]);
    const set = sets.sets[0]!;
    expect(set.rules.map((r) => [r.ruleId, "method" in r ? r.method : ""])).toEqual([
      [1, "GET"],
      [3, "PUT"],
    ]);
    expect(evaluateL7(set, GET).decision).toBe("allowed");
    expect(evaluateL7(set, PUT_A).decision).toBe("allowed");
    expect(evaluateL7(set, { ...GET, method: "POST" }).response).toBe("HTTP 403 Access denied");
  });

  it("an L4-only allow on the same peer and port makes the set allow everything, still redirected", () => {
    const sets = new L7SetTable();
    const out = mergeL7Rows(rows(`${cnp("a", HTTP_GET)}\n---\n${cnp("b", L4_ONLY)}`), sets);
    expect(out.map((r) => [r.verdict, r.l7Set])).toEqual([
      [ACT_REDIRECT, 0],
      [ACT_REDIRECT, 0],
    ]);
    const set = sets.sets[0]!;
    expect(set.rules.at(-1)).toMatchObject({ ruleId: 3, flags: RULE_WILDCARD | RULE_FROM_L4 });
    const d = evaluateL7(set, { ...GET, method: "DELETE" });
    expect(d.decision).toBe("allowed");
    expect(d.rule?.ruleId).toBe(3);
  });

  it("an L4-only allow on another port or for another peer does not", () => {
    const sets = new L7SetTable();
    const a = rows(cnp("a", HTTP_GET));
    const b = rows(`---\n${cnp("b", L4_ONLY)}`.slice(4), 7, TCP81).map((r) => ({ ...r, ruleId: 9 }));
    const c = rows(`---\n${cnp("c", L4_ONLY)}`.slice(4), 8).map((r) => ({ ...r, ruleId: 10 }));
    const out = mergeL7Rows([...a, ...b, ...c], sets);
    expect(out.map((r) => [r.ruleId, r.verdict, r.l7Set])).toEqual([
      [1, ACT_REDIRECT, 0],
      [9, ACT_ALLOW, NO_L7_SET],
      [10, ACT_ALLOW, NO_L7_SET],
    ]);
    expect(evaluateL7(sets.sets[0]!, { ...GET, method: "DELETE" }).decision).toBe("denied");
  });

  it("a wildcard-peer rule's L7 and L4-only rules merge into every identity's key", () => {
    const sets = new L7SetTable();
    const any = rows(cnp("a", HTTP_GET.replace(FROM_X, "  - ")), "any");
    const x = rows(`---\n${cnp("b", L4_ONLY)}`.slice(4), 7).map((r) => ({ ...r, ruleId: 5 }));
    const out = mergeL7Rows([...any, ...x], sets);
    // The identity row comes first (it wins ties) and allows everything; the wildcard row keeps GET only.
    expect(out.map((r) => [r.peer, r.verdict])).toEqual([
      [7, ACT_REDIRECT],
      ["any", ACT_REDIRECT],
    ]);
    expect(evaluateL7(sets.sets[out[0]!.l7Set]!, PUT_A).decision).toBe("allowed");
    expect(evaluateL7(sets.sets[out[1]!.l7Set]!, PUT_A).decision).toBe("denied");
  });

  it("different L7 parsers on one peer and port are an error at the second rules block", () => {
    const yaml = `${cnp("a", HTTP_GET)}\n---\n${cnp("b", KAFKA)}`;
    const diags = new Diagnostics();
    const sets = new L7SetTable();
    mergeL7Rows(rows(yaml), sets, diags);
    const errs = diags.all.filter((d) => d.code === S_L7_CONFLICT);
    expect(errs.map((d) => [d.severity, d.message, formatLocation(d.span!)])).toEqual([
      [
        "error",
        "cannot merge conflicting L7 parsers: kafka rules and http rules on the same peer and port",
        "policy.yaml:18:61",
      ],
    ]);
    expect(errs[0]!.notes!.map((n) => formatLocation(n.span!))).toEqual(["policy.yaml:8:61"]);
    // The first parser's rules are kept.
    expect(sets.sets[0]!.kind).toBe("http");
  });

  it("ensureWildcard: with default deny off the L7 rules do not deny other requests", () => {
    const extra = "  enableDefaultDeny: {ingress: false}\n";
    const sets = new L7SetTable();
    mergeL7Rows(rows(cnp("a", HTTP_GET, extra)), sets);
    const set = sets.sets[0]!;
    expect(set.rules.at(-1)).toMatchObject({ ruleId: 1, flags: RULE_WILDCARD | RULE_IMPLICIT });
    expect(evaluateL7(set, PUT_A).decision).toBe("allowed");
    // With default deny (the default) there is no such rule.
    const strict = new L7SetTable();
    mergeL7Rows(rows(cnp("a", HTTP_GET)), strict);
    expect(strict.sets[0]!.rules.some((r) => (r.flags & RULE_WILDCARD) !== 0)).toBe(false);
  });

  it("identical merged sets share one index; deny rows are left alone", () => {
    const sets = new L7SetTable();
    const base = rows(cnp("a", HTTP_GET));
    const deny = { ...base[0]!, priority: 0, verdict: 2, ruleId: 20, reason: 181 };
    const out = mergeL7Rows([...base, { ...base[0]!, peer: 8 }, deny], sets);
    expect(out.map((r) => [r.verdict, r.l7Set])).toEqual([
      [2, NO_L7_SET],
      [ACT_REDIRECT, 0],
      [ACT_REDIRECT, 0],
    ]);
    expect(sets.sets).toHaveLength(1);
  });
});
