/**
 * @fileoverview Label selectors for `--label`, `--from-label` and `--to-label`, over the `labels` of a
 * Hubble endpoint (`k8s:app=web`, `reserved:world`).
 *
 * The syntax is the Kubernetes label selector's (requirements separated by commas, AND'ed): `key`,
 * `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`. As in Hubble,
 * a key may carry a Cilium source prefix (`k8s:app`, `reserved:world`); a key without one, or with
 * `any:`, matches a label of any source.
 */

/** One parsed label of a flow endpoint. */
interface SourcedLabel {
  readonly source: string;
  readonly key: string;
  readonly value: string;
}

/** One requirement of a selector. */
interface Requirement {
  readonly source: string;
  readonly key: string;
  readonly op: "exists" | "absent" | "in" | "notin";
  readonly values: readonly string[];
}

/** A compiled selector: whether a flow endpoint's labels satisfy it. */
export type LabelMatcher = (labels: readonly string[]) => boolean;

/** `source:key=value` → its parts (no source: `any`; no `=`: empty value). */
function parseLabel(text: string): SourcedLabel {
  const eq = text.indexOf("=");
  const keyPart = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? "" : text.slice(eq + 1);
  const colon = keyPart.indexOf(":");
  return colon < 0
    ? { source: "any", key: keyPart, value }
    : { source: keyPart.slice(0, colon), key: keyPart.slice(colon + 1), value };
}

/** Split at commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
    } else if (c === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim());
}

function keyOf(text: string, whole: string): { source: string; key: string } {
  const k = text.trim();
  if (k === "" || /[\s=!()]/.test(k)) {
    throw new Error(`invalid label selector '${whole}': bad key '${k}'`);
  }
  const colon = k.indexOf(":");
  return colon < 0 ? { source: "any", key: k } : { source: k.slice(0, colon), key: k.slice(colon + 1) };
}

function parseRequirement(text: string, whole: string): Requirement {
  const set = /^(.+?)\s+(in|notin)\s+\((.*)\)$/.exec(text);
  if (set !== null) {
    const values = set[3]!.split(",").map((v) => v.trim());
    return { ...keyOf(set[1]!, whole), op: set[2] === "in" ? "in" : "notin", values };
  }
  const cmp = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(text);
  if (cmp !== null) {
    return { ...keyOf(cmp[1]!, whole), op: cmp[2] === "!=" ? "notin" : "in", values: [cmp[3]!.trim()] };
  }
  if (text.startsWith("!")) {
    return { ...keyOf(text.slice(1), whole), op: "absent", values: [] };
  }
  return { ...keyOf(text, whole), op: "exists", values: [] };
}

/** Parse a selector; throws on bad syntax. */
export function parseLabelSelector(text: string): LabelMatcher {
  if (text.trim() === "") {
    throw new Error("invalid label selector: empty");
  }
  const reqs = splitTop(text).map((r) => parseRequirement(r, text));
  return (labels) => {
    const parsed = labels.map(parseLabel);
    return reqs.every((r) => {
      const found = parsed.filter(
        (l) => l.key === r.key && (r.source === "any" || l.source === "any" || l.source === r.source),
      );
      switch (r.op) {
        case "exists":
          return found.length > 0;
        case "absent":
          return found.length === 0;
        case "in":
          return found.some((l) => r.values.includes(l.value));
        case "notin":
          return !found.some((l) => r.values.includes(l.value));
      }
    });
  };
}
