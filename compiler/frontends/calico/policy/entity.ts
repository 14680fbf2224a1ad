/**
 * @fileoverview A rule's `source` / `destination` EntityRule: read and check it (`validateEntityRule`,
 * the EntityRule CRD rules; calico.md §3.3), and build the selectors it stands for (§2.2).
 *
 * What the fields mean for the IR depends on the side (rule.ts decides): the peer side becomes peers
 * and notPeers, the subject side narrows the rule's subject selector.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import { parsePrefix } from "../../../net/ip.js";
import type { Prefix } from "../../../net/ip.js";
import type { LMap } from "../../../yaml/located.js";
import { entityRuleSelector } from "../selector/index.js";
import type { ServiceAccountMatch } from "../selector/index.js";
import {
  S_BAD_CIDR,
  S_BAD_SERVICES,
  S_MISSING_FIELD,
  S_WRONG_TYPE,
  asMap,
  asStringNode,
  checkFields,
  checkMaxItems,
  field,
  keySpan,
  mapField,
  seqField,
  stringField,
} from "./context.js";
import { readPort } from "./ports.js";
import type { PortValue } from "./ports.js";
import { readSelector } from "./selectors.js";
import type { SelectorField } from "./selectors.js";

/** Most CIDRs in `nets` / `notNets` (CRD `MaxItems`). */
export const MAX_NETS = 256;
/** Most entries in `ports` / `notPorts` (CRD `MaxItems`). */
export const MAX_PORTS = 50;

const ENTITY_FIELDS = [
  "nets",
  "notNets",
  "selector",
  "notSelector",
  "namespaceSelector",
  "serviceAccounts",
  "services",
  "ports",
  "notPorts",
];

/** A CIDR as written and parsed. */
export interface NetValue {
  readonly text: string;
  readonly prefix: Prefix;
  readonly span: Span;
}

/** A list of ports with the span of its key. */
export interface PortList {
  readonly items: readonly PortValue[];
  /** Whether the list was written non-empty (even if some entries were invalid). */
  readonly present: boolean;
  readonly span: Span;
}

/** A `services` match. */
export interface ServicesValue {
  readonly name: string;
  /** "" when not given (the policy's namespace for a NetworkPolicy). */
  readonly namespace: string;
  readonly span: Span;
}

/** A checked EntityRule. */
export interface EntityValue {
  readonly span: Span;
  readonly nets: readonly NetValue[];
  readonly notNets: readonly NetValue[];
  readonly selector?: SelectorField;
  readonly notSelector?: SelectorField;
  readonly namespaceSelector?: SelectorField;
  readonly serviceAccounts?: { readonly names: readonly string[]; readonly selector?: SelectorField };
  readonly services?: ServicesValue;
  readonly ports: PortList;
  readonly notPorts: PortList;
  /** Span of the `nets`/`notNets` key, for family errors. */
  readonly netsSpan: Span;
}

function readNets(map: LMap, key: string, diags: Diagnostics): NetValue[] {
  const items = seqField(map, key, diags) ?? [];
  checkMaxItems(items, MAX_NETS, key, keySpan(map, key), diags);
  const out: NetValue[] = [];
  for (const n of items) {
    const s = asStringNode(n, `a ${key} entry`, diags);
    if (s === undefined) {
      continue;
    }
    const text = s.value as string;
    const prefix = text.includes("/") ? parsePrefix(text) : `'${text}' has no prefix length`;
    if (typeof prefix === "string") {
      diags.error(
        S_BAD_CIDR,
        `invalid CIDR in ${key}: ${prefix}`,
        n.span,
        "write a CIDR such as 10.0.0.0/8 or 10.1.2.3/32",
      );
      continue;
    }
    out.push({ text, prefix, span: n.span });
  }
  return out;
}

function readPorts(map: LMap, key: string, diags: Diagnostics): PortList {
  const items = seqField(map, key, diags) ?? [];
  checkMaxItems(items, MAX_PORTS, key, keySpan(map, key), diags);
  const out: PortValue[] = [];
  for (const n of items) {
    const p = readPort(n, diags);
    if (p !== undefined) {
      out.push(p);
    }
  }
  return { items: out, present: items.length > 0, span: keySpan(map, key) };
}

function readServiceAccounts(
  map: LMap,
  diags: Diagnostics,
): { names: readonly string[]; selector?: SelectorField } | undefined {
  const m = mapField(map, "serviceAccounts", diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["names", "selector"], "serviceAccounts", diags);
  const names: string[] = [];
  for (const n of seqField(m, "names", diags) ?? []) {
    const s = asStringNode(n, "a service account name", diags);
    if (s !== undefined) {
      names.push(s.value as string);
    }
  }
  const selector = readSelector(m, "selector", diags);
  return { names, ...(selector !== undefined ? { selector } : {}) };
}

function readServices(map: LMap, diags: Diagnostics): ServicesValue | undefined {
  const n = field(map, "services");
  if (n === undefined) {
    return undefined;
  }
  const m = asMap(n, "services", diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["name", "namespace"], "services", diags);
  const name = stringField(m, "name", diags) ?? "";
  if (name === "") {
    diags.error(S_MISSING_FIELD, "services must specify a service name", m.span, "add name: <service>");
    return undefined;
  }
  return { name, namespace: stringField(m, "namespace", diags) ?? "", span: n.span };
}

/** Report what may not be combined with `services` (upstream's EntityRule checks). */
function checkServicesExclusive(map: LMap, e: Omit<EntityValue, "span">, diags: Diagnostics): void {
  const clash: [boolean, string, string][] = [
    [e.namespaceSelector !== undefined, "namespaceSelector", "NamespaceSelector"],
    [e.selector !== undefined || e.notSelector !== undefined, "selector", "Selector/NotSelector"],
    [e.serviceAccounts !== undefined, "serviceAccounts", "ServiceAccounts"],
    [e.nets.length > 0 || e.notNets.length > 0, "nets", "Nets/NotNets"],
  ];
  for (const [bad, key, what] of clash) {
    if (bad) {
      const at = map.entries.get(key) ?? map.entries.get(`not${key[0]!.toUpperCase()}${key.slice(1)}`);
      diags.error(
        S_BAD_SERVICES,
        `cannot specify ${what} and Services on the same rule`,
        at?.keySpan ?? map.span,
        "a service match stands alone: move the other criteria into a separate rule",
      );
    }
  }
}

/** Read a rule's `source` or `destination`; an absent one is empty. Problems are reported. */
export function readEntity(rule: LMap, key: "source" | "destination", diags: Diagnostics): EntityValue {
  const n = field(rule, key);
  const map = n === undefined ? undefined : n.kind === "map" ? n : undefined;
  if (n !== undefined && map === undefined) {
    diags.error(S_WRONG_TYPE, `${key} must be a mapping`, n.span, "write it as key: value lines");
  }
  const span = n?.span ?? keySpan(rule, key);
  if (map === undefined) {
    const none: PortList = { items: [], present: false, span };
    return { span, nets: [], notNets: [], ports: none, notPorts: none, netsSpan: span };
  }
  checkFields(map, ENTITY_FIELDS, key, diags);
  const selector = readSelector(map, "selector", diags);
  const notSelector = readSelector(map, "notSelector", diags);
  const namespaceSelector = readSelector(map, "namespaceSelector", diags, "alone");
  const serviceAccounts = readServiceAccounts(map, diags);
  const services = readServices(map, diags);
  const e = {
    nets: readNets(map, "nets", diags),
    notNets: readNets(map, "notNets", diags),
    ...(selector !== undefined ? { selector } : {}),
    ...(notSelector !== undefined ? { notSelector } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    ...(serviceAccounts !== undefined ? { serviceAccounts } : {}),
    ...(services !== undefined ? { services } : {}),
    ports: readPorts(map, "ports", diags),
    notPorts: readPorts(map, "notPorts", diags),
    netsSpan: (map.entries.get("nets") ?? map.entries.get("notNets"))?.keySpan ?? span,
  };
  if (services !== undefined) {
    checkServicesExclusive(map, e, diags);
  }
  return { span, ...e };
}

/**
 * The positive selector of the entity in a policy of `namespace` ("" = global), composed as upstream
 * does (`GetEntityRuleSelector`), or "" when the entity selects no endpoints.
 */
export function positiveSelector(e: EntityValue, namespace: string): string {
  const sa: ServiceAccountMatch | undefined =
    e.serviceAccounts === undefined
      ? undefined
      : {
          names: e.serviceAccounts.names,
          ...(e.serviceAccounts.selector !== undefined ? { selector: e.serviceAccounts.selector.text } : {}),
        };
  return entityRuleSelector(
    {
      ...(e.selector !== undefined ? { selector: e.selector.text } : {}),
      ...(e.notSelector !== undefined ? { notSelector: e.notSelector.text } : {}),
      ...(e.namespaceSelector !== undefined ? { namespaceSelector: e.namespaceSelector.text } : {}),
      ...(sa !== undefined ? { serviceAccounts: sa } : {}),
    },
    namespace,
  );
}
