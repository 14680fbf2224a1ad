/**
 * @fileoverview The one selector language every dialect lowers into: a boolean AST over endpoint labels.
 *
 * Kubernetes `matchLabels`/`matchExpressions`, Cilium endpoint selectors (with `k8s:`/`reserved:`
 * sources) and Calico's selector language all become these nodes. Semantics follow Kubernetes label
 * selectors and Calico's evaluator: `eq`, `in`, `contains`, `starts`, `ends` require the key to be
 * present; `not` of them therefore matches endpoints without the key (as `NotIn` and `!=` do).
 *
 * Endpoint labels are one flat map (see cluster/labels.ts): the pod's own labels plus meta labels for
 * its namespace, the namespace's labels and its service account, and `reserved:*` keys for reserved
 * identities. A namespaceSelector is thus a selector over the namespace meta labels.
 */

/** A label map. */
export type Labels = ReadonlyMap<string, string>;

/** Selector AST. */
export type Selector =
  | { readonly op: "all" }
  | { readonly op: "none" }
  | { readonly op: "has"; readonly key: string }
  | { readonly op: "eq"; readonly key: string; readonly value: string }
  | { readonly op: "in"; readonly key: string; readonly values: readonly string[] }
  | { readonly op: "contains" | "starts" | "ends"; readonly key: string; readonly value: string }
  | { readonly op: "not"; readonly arg: Selector }
  | { readonly op: "and"; readonly args: readonly Selector[] }
  | { readonly op: "or"; readonly args: readonly Selector[] };

/** Matches everything. */
export const ALL: Selector = { op: "all" };
/** Matches nothing. */
export const NONE: Selector = { op: "none" };

/** Conjunction, flattened; `and()` = ALL. */
export function and(...args: Selector[]): Selector {
  const flat: Selector[] = [];
  for (const a of args) {
    if (a.op === "none") {
      return NONE;
    }
    if (a.op === "all") {
      continue;
    }
    if (a.op === "and") {
      flat.push(...a.args);
    } else {
      flat.push(a);
    }
  }
  return flat.length === 0 ? ALL : flat.length === 1 ? flat[0]! : { op: "and", args: flat };
}

/** Disjunction, flattened; `or()` = NONE. */
export function or(...args: Selector[]): Selector {
  const flat: Selector[] = [];
  for (const a of args) {
    if (a.op === "all") {
      return ALL;
    }
    if (a.op === "none") {
      continue;
    }
    if (a.op === "or") {
      flat.push(...a.args);
    } else {
      flat.push(a);
    }
  }
  return flat.length === 0 ? NONE : flat.length === 1 ? flat[0]! : { op: "or", args: flat };
}

/** Negation. */
export function not(arg: Selector): Selector {
  if (arg.op === "all") {
    return NONE;
  }
  if (arg.op === "none") {
    return ALL;
  }
  if (arg.op === "not") {
    return arg.arg;
  }
  return { op: "not", arg };
}

/** key == value */
export function eq(key: string, value: string): Selector {
  return { op: "eq", key, value };
}

/** has(key) */
export function has(key: string): Selector {
  return { op: "has", key };
}

/** Whether `sel` matches an endpoint with `labels`. */
export function matches(sel: Selector, labels: Labels): boolean {
  switch (sel.op) {
    case "all":
      return true;
    case "none":
      return false;
    case "has":
      return labels.has(sel.key);
    case "eq":
      return labels.get(sel.key) === sel.value;
    case "in": {
      const v = labels.get(sel.key);
      return v !== undefined && sel.values.includes(v);
    }
    case "contains": {
      const v = labels.get(sel.key);
      return v?.includes(sel.value) ?? false;
    }
    case "starts": {
      const v = labels.get(sel.key);
      return v?.startsWith(sel.value) ?? false;
    }
    case "ends": {
      const v = labels.get(sel.key);
      return v?.endsWith(sel.value) ?? false;
    }
    case "not":
      return !matches(sel.arg, labels);
    case "and":
      return sel.args.every((a) => matches(a, labels));
    case "or":
      return sel.args.some((a) => matches(a, labels));
  }
}

const quote = (s: string): string => JSON.stringify(s);

/** A readable rendering in Calico-like syntax, for trace output and lints. */
export function selectorToString(sel: Selector): string {
  switch (sel.op) {
    case "all":
      return "all()";
    case "none":
      return "none()";
    case "has":
      return `has(${sel.key})`;
    case "eq":
      return `${sel.key} == ${quote(sel.value)}`;
    case "in":
      return `${sel.key} in {${sel.values.map(quote).join(", ")}}`;
    case "contains":
      return `${sel.key} contains ${quote(sel.value)}`;
    case "starts":
      return `${sel.key} starts with ${quote(sel.value)}`;
    case "ends":
      return `${sel.key} ends with ${quote(sel.value)}`;
    case "not":
      return sel.arg.op === "in"
        ? `${sel.arg.key} not in {${sel.arg.values.map(quote).join(", ")}}`
        : sel.arg.op === "eq"
          ? `${sel.arg.key} != ${quote(sel.arg.value)}`
          : `!${selectorToString(sel.arg)}`;
    case "and":
      return sel.args
        .map((a) => (a.op === "or" ? `(${selectorToString(a)})` : selectorToString(a)))
        .join(" && ");
    case "or":
      return sel.args.map(selectorToString).join(" || ");
  }
}
