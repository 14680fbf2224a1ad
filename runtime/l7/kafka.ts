/**
 * @fileoverview Kafka facts the L7 evaluator needs at run time: API key names and the keys whose
 * requests carry topics (upstream `pkg/policy/api/kafka/kafka.go`; cilium.md §1.10). The compiler's IR
 * re-exports them: the runtime cannot import the compiler, so the tables live here.
 */

/** Kafka API key names by key number (0–33). */
export const KAFKA_KEY_NAMES: readonly string[] = [
  "produce",
  "fetch",
  "offsets",
  "metadata",
  "leaderandisr",
  "stopreplica",
  "updatemetadata",
  "controlledshutdown",
  "offsetcommit",
  "offsetfetch",
  "findcoordinator",
  "joingroup",
  "heartbeat",
  "leavegroup",
  "syncgroup",
  "describegroups",
  "listgroups",
  "saslhandshake",
  "apiversions",
  "createtopics",
  "deletetopics",
  "deleterecords",
  "initproducerid",
  "offsetforleaderepoch",
  "addpartitionstotxn",
  "addoffsetstotxn",
  "endtxn",
  "writetxnmarkers",
  "txnoffsetcommit",
  "describeacls",
  "createacls",
  "deleteacls",
  "describeconfigs",
  "alterconfigs",
];

/** API keys whose requests carry topics; `topic` constrains only these (upstream `pkg/kafka/policy.go` isTopicAPIKey). */
export const KAFKA_TOPIC_KEY_SET: ReadonlySet<number> = new Set([
  0, 1, 2, 3, 4, 5, 6, 8, 9, 19, 20, 21, 23, 24, 27, 28, 34, 35, 37,
]);

/** Kafka error code a denied request is answered with (Cilium's Kafka proxy). */
export const KAFKA_TOPIC_AUTHORIZATION_FAILED = 29;

/** The name of API key `key` (its number when unnamed). */
export function kafkaKeyName(key: number): string {
  return KAFKA_KEY_NAMES[key] ?? String(key);
}

/** An API key from a name (case-insensitive) or a number; undefined when neither. */
export function parseKafkaKey(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 0x7fff ? n : undefined;
  }
  const i = KAFKA_KEY_NAMES.indexOf(t);
  return i < 0 ? undefined : i;
}
