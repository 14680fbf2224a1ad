/**
 * @fileoverview Topic extraction from a Kafka request body, per API key and version, for the keys whose
 * requests name topics. Layouts follow the request JSON definitions of Apache Kafka 4.1
 * (`clients/src/main/resources/common/message/<Name>Request.json`); each reader below names the fields
 * it walks. Only the topic arrays are read: the reader stops after the last topic and ignores the rest
 * of the body (trailing fields, forgotten topics of an incremental Fetch, tagged fields at the end).
 *
 * What is reported when a request does not name its topics (`TOPICS_*` bits, 0 when every topic the
 * request touches is in the list):
 *   - TOPICS_BY_ID: some topics are given by topic id only (Produce v13+, Fetch v13+, OffsetCommit v10+,
 *     OffsetFetch v10+, Metadata v10+ and DeleteTopics v6+ entries with a null name). Ids are not
 *     resolved here (the proxy has no id→name map), so these topics are missing from `topics`.
 *   - TOPICS_ALL: the request asks for all topics (Metadata with a null array, or an empty one in v0;
 *     OffsetFetch with null topics; DescribeLogDirs with null topics).
 *   - TOPICS_UNDECODED: a topic-carrying key whose body is not read: a version past the newest known
 *     here, or the broker-internal LeaderAndIsr / StopReplica / UpdateMetadata (removed in Kafka 4.0).
 * The datapath should then let only rules without a `topic` allow the request: that is what Cilium's
 * Kafka proxy does with a request of a topic-carrying key whose topics it did not extract
 * (`pkg/kafka/policy.go` `Rule.Matches`: a rule with a topic matches only topics present in the request).
 *
 * Upstream difference, decided on purpose: Cilium's proxy (`pkg/kafka/request.go` `ReadRequest`) parses
 * bodies only for Produce, Fetch, ListOffsets, Metadata, FindCoordinator, OffsetCommit and OffsetFetch,
 * through a fork of optiopay/kafka that knows old versions only (e.g. Produce ≤ v2), and closes the
 * connection when that parse fails. sluice reads every client-sent topic key up to current versions;
 * a body that does not parse under its own key's layout (truncated, bad length) is DECODE_MALFORMED, as
 * a parse error closes the connection upstream. Unknown keys are not parsed: topics empty, no bits.
 * FindCoordinator (10) and JoinGroup (11) carry no topic names on the wire (and are not topic keys upstream).
 * DescribeConfigs / AlterConfigs name topics only as config resources and are not topic keys: not read.
 */

import { KAFKA_ERR_NULL } from "./header.js";
import type { KafkaCursor } from "./header.js";

/** Some topics are identified by topic id only; they are not in `topics`. */
export const TOPICS_BY_ID = 1;
/** The request addresses all topics (null topic array, or Metadata v0's empty array). */
export const TOPICS_ALL = 2;
/** The body of this topic-carrying key and version is not decoded; `topics` is empty. */
export const TOPICS_UNDECODED = 4;

/**
 * Newest version whose layout is known, per topic-carrying key (Kafka 4.1); -1 when the key's body is
 * not read. Requests of a later version get TOPICS_UNDECODED.
 */
export const KAFKA_TOPIC_MAX_VERSION: ReadonlyMap<number, number> = new Map([
  [0, 13], // Produce
  [1, 17], // Fetch
  [2, 10], // ListOffsets
  [3, 13], // Metadata
  [4, -1], // LeaderAndIsr (controller → broker)
  [5, -1], // StopReplica (controller → broker)
  [6, -1], // UpdateMetadata (controller → broker)
  [8, 10], // OffsetCommit
  [9, 10], // OffsetFetch
  [19, 7], // CreateTopics
  [20, 6], // DeleteTopics
  [21, 2], // DeleteRecords
  [23, 4], // OffsetForLeaderEpoch
  [24, 5], // AddPartitionsToTxn
  [27, 1], // WriteTxnMarkers
  [28, 5], // TxnOffsetCommit
  [34, 2], // AlterReplicaLogDirs
  [35, 4], // DescribeLogDirs
  [37, 3], // CreatePartitions
]);

/** KAFKA_TOPIC_MAX_VERSION as a table by key (-2: not a topic key), for the per-request lookup. */
const MAX_VERSION = new Int16Array(38).fill(-2);
for (const [key, max] of KAFKA_TOPIC_MAX_VERSION) {
  MAX_VERSION[key] = max;
}

/** Smallest encoded struct: a compact string or array of one byte, or an int16 length. */
const MIN_ENTRY = 1;

/** Count of a non-nullable array of structs; null is an error (the broker rejects it too). */
function count(c: KafkaCursor, flex: boolean): number {
  const n = c.array(flex, MIN_ENTRY);
  if (n < 0) {
    c.fail(KAFKA_ERR_NULL);
  }
  return n;
}

/**
 * Read the topics of request `apiKey` v`v` from the cursor (positioned at the body) into `out`.
 * Returns TOPICS_* bits; a parse failure is left in `c.err`.
 */
export function readKafkaTopics(
  c: KafkaCursor,
  apiKey: number,
  v: number,
  flex: boolean,
  out: string[],
): number {
  const max = apiKey < MAX_VERSION.length ? MAX_VERSION[apiKey]! : -2;
  if (max === -2) {
    return 0;
  }
  if (v > max) {
    return TOPICS_UNDECODED;
  }
  switch (apiKey) {
    case 0:
      return produce(c, v, flex, out);
    case 1:
      return fetch(c, v, flex, out);
    case 2:
      return listOffsets(c, v, flex, out);
    case 3:
      return metadata(c, v, flex, out);
    case 8:
      return offsetCommit(c, v, flex, out);
    case 9:
      return offsetFetch(c, v, flex, out);
    case 19:
      return createTopics(c, flex, out);
    case 20:
      return deleteTopics(c, v, flex, out);
    case 21:
      return namesWithFixedPartitions(c, flex, 12, out);
    case 23:
      c.skip(v >= 3 ? 4 : 0); // ReplicaId v3+
      return namesWithFixedPartitions(c, flex, v >= 2 ? 12 : 8, out);
    case 24:
      return addPartitionsToTxn(c, v, flex, out);
    case 27:
      return writeTxnMarkers(c, flex, out);
    case 28:
      return txnOffsetCommit(c, v, flex, out);
    case 34:
      return alterReplicaLogDirs(c, flex, out);
    case 35:
      return namesWithIndexes(c, flex, true, out);
    case 37:
      return createPartitions(c, flex, out);
    default:
      return TOPICS_UNDECODED;
  }
}

/** `[Name string, Partitions [fixed-size struct + tags]] + tags`; DeleteRecords, OffsetForLeaderEpoch. */
function namesWithFixedPartitions(c: KafkaCursor, flex: boolean, partBytes: number, out: string[]): number {
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    out.push(c.name(flex));
    const parts = c.array(flex, partBytes);
    for (let j = 0; j < parts && c.err === 0; j++) {
      c.skip(partBytes);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return 0;
}

/** `[Name string, PartitionIndexes []int32] + tags`, nullable (null = all topics): DescribeLogDirs. */
function namesWithIndexes(c: KafkaCursor, flex: boolean, nullable: boolean, out: string[]): number {
  const n = c.array(flex, MIN_ENTRY);
  if (n < 0) {
    if (nullable) {
      return TOPICS_ALL;
    }
    c.fail(KAFKA_ERR_NULL);
  }
  for (let i = 0; i < n && c.err === 0; i++) {
    out.push(c.name(flex));
    c.skipI32Array(flex);
    c.tags(flex);
  }
  return 0;
}

/** Produce: TransactionalId v3+, Acks, TimeoutMs, [Name v0-12 | TopicId v13+, [Index, Records]]. */
function produce(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  if (v >= 3) {
    c.skipStr(flex);
  }
  c.skip(6);
  let bits = 0;
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 13) {
      c.skip(16);
      bits = TOPICS_BY_ID;
    } else {
      out.push(c.name(flex));
    }
    const parts = c.array(flex, 5);
    for (let j = 0; j < parts && c.err === 0; j++) {
      c.skip(4);
      c.skipBytes(flex);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return bits;
}

/**
 * Fetch: ReplicaId v0-14, MaxWaitMs, MinBytes, MaxBytes v3+, IsolationLevel v4+, SessionId and
 * SessionEpoch v7+, then [Topic v0-12 | TopicId v13+, [Partition, CurrentLeaderEpoch v9+, FetchOffset,
 * LastFetchedEpoch v12+, LogStartOffset v5+, PartitionMaxBytes]].
 */
function fetch(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  c.skip((v <= 14 ? 4 : 0) + 8 + (v >= 3 ? 4 : 0) + (v >= 4 ? 1 : 0) + (v >= 7 ? 8 : 0));
  const partBytes = 16 + (v >= 9 ? 4 : 0) + (v >= 12 ? 4 : 0) + (v >= 5 ? 8 : 0);
  let bits = 0;
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 13) {
      c.skip(16);
      bits = TOPICS_BY_ID;
    } else {
      out.push(c.name(flex));
    }
    const parts = c.array(flex, partBytes);
    for (let j = 0; j < parts && c.err === 0; j++) {
      c.skip(partBytes);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return bits;
}

/** ListOffsets: ReplicaId, IsolationLevel v2+, [Name, [Index, CurrentLeaderEpoch v4+, Timestamp, MaxNumOffsets v0]]. */
function listOffsets(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  c.skip(v >= 2 ? 5 : 4);
  return namesWithFixedPartitions(c, flex, 12 + (v >= 4 ? 4 : 0) + (v === 0 ? 4 : 0), out);
}

/** Metadata: [TopicId v10+, Name (nullable v10+)], nullable v1+ (null = all; v0: empty = all). */
function metadata(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  const n = c.array(flex, MIN_ENTRY);
  if (n < 0) {
    if (v === 0) {
      c.fail(KAFKA_ERR_NULL); // v0's array is not nullable
    }
    return TOPICS_ALL;
  }
  if (n === 0 && v === 0) {
    return TOPICS_ALL;
  }
  let bits = 0;
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 10) {
      c.skip(16);
      const name = c.str(flex, true);
      if (name === null) {
        bits = TOPICS_BY_ID;
      } else {
        out.push(name);
      }
    } else {
      out.push(c.name(flex));
    }
    c.tags(flex);
  }
  return bits;
}

/**
 * OffsetCommit: GroupId, GenerationIdOrMemberEpoch v1+, MemberId v1+, GroupInstanceId v7+,
 * RetentionTimeMs v2-4, [Name v0-9 | TopicId v10+, [Index, CommittedOffset, CommittedLeaderEpoch v6+,
 * CommitTimestamp v1, CommittedMetadata]].
 */
function offsetCommit(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  c.skipStr(flex);
  if (v >= 1) {
    c.skip(4);
    c.skipStr(flex);
  }
  if (v >= 7) {
    c.skipStr(flex);
  }
  if (v >= 2 && v <= 4) {
    c.skip(8);
  }
  const fixed = 12 + (v >= 6 ? 4 : 0) + (v === 1 ? 8 : 0);
  let bits = 0;
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 10) {
      c.skip(16);
      bits = TOPICS_BY_ID;
    } else {
      out.push(c.name(flex));
    }
    const parts = c.array(flex, fixed);
    for (let j = 0; j < parts && c.err === 0; j++) {
      c.skip(fixed);
      c.skipStr(flex);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return bits;
}

/** One OffsetFetch topic list: [Name v0-9 | TopicId v10+, PartitionIndexes], nullable v2+ (null = all). */
function offsetFetchTopics(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  const n = c.array(flex, MIN_ENTRY);
  if (n < 0) {
    return TOPICS_ALL;
  }
  let bits = 0;
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 10) {
      c.skip(16);
      bits = TOPICS_BY_ID;
    } else {
      out.push(c.name(flex));
    }
    c.skipI32Array(flex);
    c.tags(flex);
  }
  return bits;
}

/** OffsetFetch: v0-7 GroupId + topics; v8+ [GroupId, MemberId v9+, MemberEpoch v9+, topics]. */
function offsetFetch(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  if (v <= 7) {
    c.skipStr(flex);
    return offsetFetchTopics(c, v, flex, out);
  }
  let bits = 0;
  const groups = count(c, flex);
  for (let g = 0; g < groups && c.err === 0; g++) {
    c.skipStr(flex);
    if (v >= 9) {
      c.skipStr(flex);
      c.skip(4);
    }
    bits |= offsetFetchTopics(c, v, flex, out);
    c.tags(flex);
  }
  return bits;
}

/** CreateTopics: [Name, NumPartitions, ReplicationFactor, [Index, BrokerIds], [Name, Value]]. */
function createTopics(c: KafkaCursor, flex: boolean, out: string[]): number {
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    out.push(c.name(flex));
    c.skip(6);
    const assignments = c.array(flex, 5);
    for (let j = 0; j < assignments && c.err === 0; j++) {
      c.skip(4);
      c.skipI32Array(flex);
      c.tags(flex);
    }
    const configs = c.array(flex, 2);
    for (let j = 0; j < configs && c.err === 0; j++) {
      c.skipStr(flex);
      c.skipStr(flex);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return 0;
}

/** DeleteTopics: v0-5 TopicNames []string; v6+ [Name (nullable), TopicId]. */
function deleteTopics(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  const n = count(c, flex);
  let bits = 0;
  for (let i = 0; i < n && c.err === 0; i++) {
    if (v >= 6) {
      const name = c.str(flex, true);
      c.skip(16);
      if (name === null) {
        bits = TOPICS_BY_ID;
      } else {
        out.push(name);
      }
      c.tags(flex);
    } else {
      out.push(c.name(flex));
    }
  }
  return bits;
}

/** AddPartitionsToTxn: v0-3 TransactionalId, ProducerId, ProducerEpoch, topics; v4+ [.., VerifyOnly, topics]. */
function addPartitionsToTxn(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  if (v <= 3) {
    c.skipStr(flex);
    c.skip(10);
    return namesWithIndexes(c, flex, false, out);
  }
  const txns = count(c, flex);
  for (let t = 0; t < txns && c.err === 0; t++) {
    c.skipStr(flex);
    c.skip(11);
    namesWithIndexes(c, flex, false, out);
    c.tags(flex);
  }
  return 0;
}

/** WriteTxnMarkers: [ProducerId, ProducerEpoch, TransactionResult, [Name, PartitionIndexes], CoordinatorEpoch]. */
function writeTxnMarkers(c: KafkaCursor, flex: boolean, out: string[]): number {
  const markers = count(c, flex);
  for (let m = 0; m < markers && c.err === 0; m++) {
    c.skip(11);
    namesWithIndexes(c, flex, false, out);
    c.skip(4);
    c.tags(flex);
  }
  return 0;
}

/**
 * TxnOffsetCommit: TransactionalId, GroupId, ProducerId, ProducerEpoch, GenerationId v3+, MemberId v3+,
 * GroupInstanceId v3+, [Name, [Index, CommittedOffset, CommittedLeaderEpoch v2+, CommittedMetadata]].
 */
function txnOffsetCommit(c: KafkaCursor, v: number, flex: boolean, out: string[]): number {
  c.skipStr(flex);
  c.skipStr(flex);
  c.skip(10);
  if (v >= 3) {
    c.skip(4);
    c.skipStr(flex);
    c.skipStr(flex);
  }
  const fixed = v >= 2 ? 16 : 12;
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    out.push(c.name(flex));
    const parts = c.array(flex, fixed);
    for (let j = 0; j < parts && c.err === 0; j++) {
      c.skip(fixed);
      c.skipStr(flex);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return 0;
}

/** AlterReplicaLogDirs: [Path, [Name, Partitions []int32]]. */
function alterReplicaLogDirs(c: KafkaCursor, flex: boolean, out: string[]): number {
  const dirs = count(c, flex);
  for (let d = 0; d < dirs && c.err === 0; d++) {
    c.skipStr(flex);
    namesWithIndexes(c, flex, false, out);
    c.tags(flex);
  }
  return 0;
}

/** CreatePartitions: [Name, Count, Assignments (nullable) [BrokerIds []int32]]. */
function createPartitions(c: KafkaCursor, flex: boolean, out: string[]): number {
  const n = count(c, flex);
  for (let i = 0; i < n && c.err === 0; i++) {
    out.push(c.name(flex));
    c.skip(4);
    const assignments = c.array(flex, MIN_ENTRY);
    for (let j = 0; j < assignments && c.err === 0; j++) {
      c.skipI32Array(flex);
      c.tags(flex);
    }
    c.tags(flex);
  }
  return 0;
}
