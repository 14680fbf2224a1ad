/**
 * @fileoverview One-line texts of L7 requests and rules, for trace output and (later) L7 flow records.
 */

import { kafkaKeyName } from "./kafka.js";
import type { L7AnyRule, L7Request } from "./match.js";
import { NO_INDEX, RULE_FROM_L4, RULE_IMPLICIT, RULE_WILDCARD } from "./rule-set.js";
import type { L7RuleSet } from "./rule-set.js";

/** `GET host/path [k: v]`, `kafka produce v2 client x topics [a]`, `dns cilium.io`. */
export function describeL7Request(req: L7Request): string {
  switch (req.kind) {
    case "http": {
      const headers = req.headers.map(([k, v]) => ` ${k}: ${v}`).join(",");
      return `HTTP ${req.method} ${req.host}${req.path}${headers === "" ? "" : ` [${headers.trim()}]`}`;
    }
    case "kafka":
      return `Kafka ${kafkaKeyName(req.apiKey)} (key ${req.apiKey}) v${req.apiVersion}${req.clientId === "" ? "" : ` client '${req.clientId}'`}${req.topics.length === 0 ? "" : ` topics ${req.topics.join(", ")}`}`;
    case "dns":
      return `DNS query ${req.name}`;
  }
}

/** Why a wildcard rule is in a set, or undefined for a written rule. */
export function wildcardCause(rule: L7AnyRule): "l4-only" | "implicit" | "written" | undefined {
  if ((rule.flags & RULE_WILDCARD) === 0) {
    return undefined;
  }
  return (rule.flags & RULE_FROM_L4) !== 0
    ? "l4-only"
    : (rule.flags & RULE_IMPLICIT) !== 0
      ? "implicit"
      : "written";
}

/** `http[1] method=PUT path=/path2$ header X-My-Header: true`, or the wildcard's cause. */
export function describeL7Rule(kind: L7RuleSet["kind"], rule: L7AnyRule): string {
  const cause = wildcardCause(rule);
  if (cause === "l4-only") {
    return `${kind} allow-all (an L4-only rule on the same peer and port)`;
  }
  if (cause === "implicit") {
    return `${kind} allow-all (the direction is not default-deny: ensureWildcard)`;
  }
  const parts: string[] = [];
  const add = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) {
      parts.push(`${k}=${v}`);
    }
  };
  if ("headers" in rule) {
    add("method", rule.method);
    add("path", rule.path);
    add("host", rule.host);
    for (const h of rule.headers) {
      parts.push(
        `header ${h.name}${h.value === undefined ? "" : `: ${h.value}`}${h.mismatch ? ` (${h.mismatch})` : ""}`,
      );
    }
  } else if ("apiKeys" in rule) {
    add("role", rule.role);
    if (rule.role === undefined && rule.apiKeys.length > 0) {
      add("apiKey", rule.apiKeys.map(kafkaKeyName).join("|"));
    }
    add("apiVersion", rule.apiVersion);
    add("clientID", rule.clientId);
    add("topic", rule.topic);
  } else if ("regex" in rule) {
    add("matchName", rule.matchName);
    add("matchPattern", rule.matchPattern);
  } else {
    rule.pairs.forEach(([k, v]) => {
      add(k, v);
    });
  }
  const index = rule.index === NO_INDEX ? "" : `[${rule.index}]`;
  return `${kind}${index}${parts.length === 0 ? " {} (all requests)" : ` ${parts.join(" ")}`}`;
}
