/**
 * @fileoverview The `hubble observe` filter flags on a commander command, and how a command line
 * becomes an allow list and a deny list of FlowFilters (cilium hubble/cmd/observe/flows_filter.go).
 *
 * Rules, as Hubble applies them:
 * - values of one flag are OR'ed, different flags AND'ed;
 * - `--not` sends the next filter flag to the deny list (`--not --verdict DROPPED --not -t trace`
 *   excludes both); two `--not` in a row, or a `--not` with no filter flag after it, is an error;
 * - a flag on "either side" (`--pod`, `--ip`, `--label`, `--port`) puts its source form in one filter and
 *   its destination form in another, so the list matches flows that have it on either side; the other
 *   flags go into both filters (which collapse into one when equal);
 * - some flags cannot be combined in one list (`--ip` with `--from-pod`, `--label` with `--to-label`, ...).
 *
 * commander keeps only option values, not their order relative to `--not`; the order comes from its
 * `option:<name>` events, which fire in command-line order, so `run(argv)` works in-process.
 */

import type { Command } from "commander";
import { compileFilterLists } from "./flow-filter.js";
import type { FilterField, FlowFilter, FlowPredicate } from "./flow-filter.js";

/** One filter flag: where its value goes in the left (source) and right (destination) filters. */
interface FilterFlag {
  readonly flags: string;
  readonly help: string;
  readonly left: FilterField;
  readonly right: FilterField;
}

const both = (flags: string, field: FilterField, help: string): FilterFlag => ({
  flags,
  help,
  left: field,
  right: field,
});

/** Every filter flag, in help order. */
const FILTER_FLAGS: readonly FilterFlag[] = [
  both(
    "--verdict <verdict>",
    "verdict",
    "FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED or TRANSLATED",
  ),
  {
    flags: "--pod <[ns/]pod>",
    help: "flows from or to pods whose name starts with this (namespace default)",
    left: "source_pod",
    right: "destination_pod",
  },
  both("--from-pod <[ns/]pod>", "source_pod", "flows from pods whose name starts with this"),
  both("--to-pod <[ns/]pod>", "destination_pod", "flows to pods whose name starts with this"),
  {
    flags: "--ip <ip|cidr>",
    help: "flows from or to this address or CIDR",
    left: "source_ip",
    right: "destination_ip",
  },
  both("--from-ip <ip|cidr>", "source_ip", "flows from this address or CIDR"),
  both("--to-ip <ip|cidr>", "destination_ip", "flows to this address or CIDR"),
  {
    flags: "-l, --label <selector>",
    help: "flows from or to endpoints with these labels (key=value, reserved:world, ...)",
    left: "source_label",
    right: "destination_label",
  },
  both("--from-label <selector>", "source_label", "flows from endpoints with these labels"),
  both("--to-label <selector>", "destination_label", "flows to endpoints with these labels"),
  {
    flags: "--port <port>",
    help: "flows from or to this L4 port",
    left: "source_port",
    right: "destination_port",
  },
  both("--from-port <port>", "source_port", "flows from this L4 port"),
  both("--to-port <port>", "destination_port", "flows to this L4 port"),
  both("--protocol <proto>", "protocol", "tcp, udp, sctp, icmp, icmpv4, icmpv6 (or dns, http, kafka)"),
  both(
    "-t, --type <type[:subtype]>",
    "event_type",
    "event type: drop, trace[:to-endpoint|...], l7, policy-verdict, ...",
  ),
  both("--traffic-direction <dir>", "traffic_direction", "ingress or egress"),
  both("--drop-reason-desc <reason>", "drop_reason_desc", "drop reason, e.g. POLICY_DENIED"),
  both("--http-method <method>", "http_method", "HTTP method of L7 flows"),
  both("--http-path <regex>", "http_path", "regex on the URL path of L7 HTTP flows"),
];

/** Flags that cannot share one list (Hubble's conflict groups for the flags sluice has). */
const CONFLICTS: readonly (readonly string[])[] = [
  ["from-ip", "ip", "from-pod", "pod"],
  ["to-ip", "ip", "to-pod", "pod"],
  ["label", "from-label"],
  ["label", "to-label"],
  ["port", "to-port"],
  ["port", "from-port"],
];

function longName(flags: string): string {
  return /--([a-z0-9-]+)/.exec(flags)![1]!;
}

/** One side of the request: the left/right pair of filters and the flags it has seen. */
class FilterTracker {
  private left: FlowFilter | undefined;
  private right: FlowFilter | undefined;
  private readonly changed: string[] = [];

  /** Add one flag occurrence. */
  set(flag: FilterFlag, value: string): void {
    const name = longName(flag.flags);
    if (!this.changed.includes(name)) {
      this.changed.push(name);
    }
    for (const group of CONFLICTS) {
      for (const a of group) {
        const b = group.find((x) => x !== a && this.changed.includes(x));
        if (this.changed.includes(a) && b !== undefined) {
          throw new Error(`filters --${a} and --${b} cannot be combined`);
        }
      }
    }
    this.left ??= {};
    this.right ??= {};
    (this.left[flag.left] ??= []).push(value);
    (this.right[flag.right] ??= []).push(value);
  }

  /** The filters of this side: none, one, or two (left OR right). */
  filters(): FlowFilter[] {
    if (this.left === undefined || this.right === undefined) {
      return [];
    }
    return JSON.stringify(this.left) === JSON.stringify(this.right) ? [this.left] : [this.left, this.right];
  }
}

/** The allow and deny lists of a command line. */
export interface FilterLists {
  readonly allowlist: FlowFilter[];
  readonly denylist: FlowFilter[];
}

/** Build the lists from filter flag occurrences in command-line order (`not` for `--not`). */
export function buildFilterLists(events: readonly { name: string; value?: string }[]): FilterLists {
  const allow = new FilterTracker();
  const deny = new FilterTracker();
  let negate = false;
  for (const e of events) {
    if (e.name === "not") {
      if (negate) {
        throw new Error("consecutive --not statements");
      }
      negate = true;
      continue;
    }
    const flag = FILTER_FLAGS.find((f) => longName(f.flags) === e.name);
    if (flag === undefined) {
      throw new Error(`unknown filter flag --${e.name}`);
    }
    (negate ? deny : allow).set(flag, e.value ?? "");
    negate = false;
  }
  if (negate) {
    throw new Error("trailing --not found in the arguments");
  }
  return { allowlist: allow.filters(), denylist: deny.filters() };
}

/** Filter flags registered on a command; `predicate()` is valid once commander has parsed. */
export interface FilterOptions {
  /** Whether any filter flag was given. */
  readonly any: () => boolean;
  /** The allow and deny lists (throws on a trailing or doubled --not, conflicts). */
  readonly lists: () => FilterLists;
  /** The compiled predicate (throws on invalid values too). */
  readonly predicate: () => FlowPredicate;
}

/** Add the filter flags and `--not` to `cmd`, recording their occurrences in order. */
export function addFilterOptions(cmd: Command): FilterOptions {
  const events: { name: string; value?: string }[] = [];
  cmd.option("--not", "negate the next filter flag");
  cmd.on("option:not", () => events.push({ name: "not" }));
  for (const f of FILTER_FLAGS) {
    const name = longName(f.flags);
    cmd.option(f.flags, `filter: ${f.help} (repeatable)`);
    cmd.on(`option:${name}`, (value: string) => events.push({ name, value }));
  }
  const lists = (): FilterLists => buildFilterLists(events);
  return {
    any: () => events.length > 0,
    lists,
    predicate: () => {
      const l = lists();
      return compileFilterLists(l.allowlist, l.denylist);
    },
  };
}
