/**
 * @fileoverview Kafka request framing and primitives: the bounds-checked cursor every Kafka field is read
 * with, the table of flexible versions per API key, and the request header reader (header v0/v1/v2).
 *
 * Wire facts (Apache Kafka protocol guide, "Protocol Primitive Types" and "The Request Header"; message
 * definitions in `clients/src/main/resources/common/message/*Request.json`):
 *   - a request is `size:int32` then `size` bytes; header v1 = `api_key:int16 api_version:int16
 *     correlation_id:int32 client_id:nullable int16 string`; header v2 appends tagged fields; header v0
 *     (ControlledShutdown v0 only) has no client id.
 *   - a request of version >= the key's first flexible version uses header v2 and the compact forms in
 *     its body: compact strings, arrays and bytes carry `unsigned varint (length + 1)` (0 = null), and
 *     every struct ends with tagged fields (`uvarint count`, then per field `uvarint tag, uvarint size,
 *     size bytes`).
 *
 * The cursor never throws: a read past the end or a bad length sets a sticky `err` (a KAFKA_ERR_* code)
 * and returns 0/""; later reads do nothing. Callers check `err` once after a run of reads. Array counts
 * are checked against the bytes left, so a loop over a count is bounded by the request size.
 */

/** No error. */
export const KAFKA_OK = 0;
/** A field runs past the end of the request. */
export const KAFKA_ERR_TRUNCATED = 1;
/** A string, bytes or array length is negative (other than null) or larger than the bytes left. */
export const KAFKA_ERR_LENGTH = 2;
/** An unsigned varint longer than 5 bytes (Kafka varints hold 32 bits). */
export const KAFKA_ERR_VARINT = 3;
/** Null where the field is not nullable (a topic name, a group id, ...). */
export const KAFKA_ERR_NULL = 4;
/** The request size field is negative or smaller than the shortest header. */
export const KAFKA_ERR_SIZE = 5;
/** The request size exceeds DecoderLimits.maxMessageBytes. */
export const KAFKA_ERR_TOO_LARGE = 6;
/** A negative api key or api version. */
export const KAFKA_ERR_HEADER = 7;

/** Names of the KAFKA_ERR_* codes (counters, test messages). */
export const KAFKA_ERR_NAMES: readonly string[] = [
  "ok",
  "truncated",
  "bad-length",
  "bad-varint",
  "unexpected-null",
  "bad-size",
  "too-large",
  "bad-header",
];

/** Shortest request after the size field: header v0 (api key, version, correlation id). */
export const KAFKA_MIN_REQUEST = 8;

// ## Flexible versions

/** Marks a key whose versions are all non-flexible. */
const NEVER = 0x7fff;

/**
 * First flexible version of each request, by API key (0–92), from "flexibleVersions" in the request
 * JSON definitions of Apache Kafka 4.1. Keys past the table are unknown: their header is read as v1
 * (the client id is in the same place in v1 and v2) and their body is not read.
 */
// prettier-ignore
const FIRST_FLEXIBLE_LIST: readonly number[] = [
  // 0 Produce, 1 Fetch, 2 ListOffsets, 3 Metadata, 4 LeaderAndIsr, 5 StopReplica, 6 UpdateMetadata,
  // 7 ControlledShutdown (v0 uses header v0), 8 OffsetCommit, 9 OffsetFetch
  9, 12, 6, 9, 4, 2, 6, 3, 8, 6,
  // 10 FindCoordinator, 11 JoinGroup, 12 Heartbeat, 13 LeaveGroup, 14 SyncGroup, 15 DescribeGroups,
  // 16 ListGroups, 17 SaslHandshake, 18 ApiVersions, 19 CreateTopics
  3, 6, 4, 4, 4, 5, 3, NEVER, 3, 5,
  // 20 DeleteTopics, 21 DeleteRecords, 22 InitProducerId, 23 OffsetForLeaderEpoch, 24 AddPartitionsToTxn,
  // 25 AddOffsetsToTxn, 26 EndTxn, 27 WriteTxnMarkers, 28 TxnOffsetCommit, 29 DescribeAcls
  4, 2, 2, 4, 3, 3, 3, 1, 3, 2,
  // 30 CreateAcls, 31 DeleteAcls, 32 DescribeConfigs, 33 AlterConfigs, 34 AlterReplicaLogDirs,
  // 35 DescribeLogDirs, 36 SaslAuthenticate, 37 CreatePartitions, 38 CreateDelegationToken,
  // 39 RenewDelegationToken
  2, 2, 4, 2, 2, 2, 2, 2, 2, 2,
  // 40 ExpireDelegationToken, 41 DescribeDelegationToken, 42 DeleteGroups, 43 ElectLeaders,
  // 44 IncrementalAlterConfigs, 45 AlterPartitionReassignments, 46 ListPartitionReassignments,
  // 47 OffsetDelete, 48 DescribeClientQuotas, 49 AlterClientQuotas
  2, 2, 2, 2, 1, 0, 0, NEVER, 1, 1,
  // 50 DescribeUserScramCredentials, 51 AlterUserScramCredentials, 52 Vote, 53 BeginQuorumEpoch,
  // 54 EndQuorumEpoch, 55 DescribeQuorum, 56 AlterPartition, 57 UpdateFeatures, 58 Envelope,
  // 59 FetchSnapshot
  0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
  // 60 DescribeCluster, 61 DescribeProducers, 62 BrokerRegistration, 63 BrokerHeartbeat,
  // 64 UnregisterBroker, 65 DescribeTransactions, 66 ListTransactions, 67 AllocateProducerIds,
  // 68 ConsumerGroupHeartbeat, 69 ConsumerGroupDescribe
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  // 70 ControllerRegistration, 71 GetTelemetrySubscriptions, 72 PushTelemetry, 73 AssignReplicasToDirs,
  // 74 ListConfigResources, 75 DescribeTopicPartitions, 76 ShareGroupHeartbeat, 77 ShareGroupDescribe,
  // 78 ShareFetch, 79 ShareAcknowledge
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  // 80 AddRaftVoter, 81 RemoveRaftVoter, 82 UpdateRaftVoter, 83 InitializeShareGroupState,
  // 84 ReadShareGroupState, 85 WriteShareGroupState, 86 DeleteShareGroupState,
  // 87 ReadShareGroupStateSummary, 88 StreamsGroupHeartbeat, 89 StreamsGroupDescribe
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  // 90 DescribeShareGroupOffsets, 91 AlterShareGroupOffsets, 92 DeleteShareGroupOffsets
  0, 0, 0,
];

/** First flexible version by API key (NEVER = 0x7fff when none); keys past the end are unknown. */
export const KAFKA_FIRST_FLEXIBLE: Int16Array = Int16Array.from(FIRST_FLEXIBLE_LIST);

/** Whether `apiKey` is in the flexible-version table. */
export function kafkaKeyKnown(apiKey: number): boolean {
  return apiKey >= 0 && apiKey < KAFKA_FIRST_FLEXIBLE.length;
}

/** Whether request `apiKey` v`apiVersion` uses header v2 and compact fields (false for unknown keys). */
export function kafkaFlexible(apiKey: number, apiVersion: number): boolean {
  const first = apiKey >= 0 && apiKey < KAFKA_FIRST_FLEXIBLE.length ? KAFKA_FIRST_FLEXIBLE[apiKey]! : NEVER;
  return apiVersion >= first;
}

// ## Strings

const utf8 = new TextDecoder("utf-8");

/** Longest string decoded by the ASCII loop; longer ones go through TextDecoder. */
const ASCII_LOOP_MAX = 48;

/** UTF-8 text of `b[start, start + len)`; ASCII (topic names, client ids) without a TextDecoder call. */
export function kafkaText(b: Uint8Array, start: number, len: number): string {
  if (len <= ASCII_LOOP_MAX) {
    let s = "";
    const end = start + len;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) {
        return utf8.decode(b.subarray(start, end));
      }
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, start + len));
}

// ## Cursor

/** Slots of the per-cursor string cache (a power of two). */
const CACHE_SLOTS = 16;
/** Longest string kept in the cache: topic names and client ids repeat on a connection. */
const CACHE_MAX_LEN = ASCII_LOOP_MAX;

/** A bounds-checked reader over `b[p, e)` with a sticky error (see the file comment). */
export class KafkaCursor {
  /** The bytes. */
  b: Uint8Array = new Uint8Array(0);
  /** Next byte to read. */
  p = 0;
  /** End of the request (exclusive). */
  e = 0;
  /** First KAFKA_ERR_* met, 0 while none. */
  err = 0;
  /**
   * Direct-mapped cache of recently decoded strings, so a connection that names the same client id and
   * topics in every request allocates no string for them: bytes of each cached string, and the string.
   */
  private readonly cacheKeys: Uint8Array[] = Array.from({ length: CACHE_SLOTS }, () => new Uint8Array(0));
  private readonly cacheVals: string[] = new Array<string>(CACHE_SLOTS).fill("");

  /** Read `b[p, e)` from now on and clear the error. */
  reset(b: Uint8Array, p: number, e: number): void {
    this.b = b;
    this.p = p;
    this.e = e;
    this.err = 0;
  }

  /** Record `code` unless an error is already recorded; returns 0 for the caller's convenience. */
  fail(code: number): 0 {
    if (this.err === 0) {
      this.err = code;
    }
    this.p = this.e;
    return 0;
  }

  /** Bytes left. */
  left(): number {
    return this.e - this.p;
  }

  /** Skip `n` bytes. */
  skip(n: number): void {
    if (this.p + n > this.e) {
      this.fail(KAFKA_ERR_TRUNCATED);
      return;
    }
    this.p += n;
  }

  /** int8. */
  i8(): number {
    if (this.p + 1 > this.e) {
      return this.fail(KAFKA_ERR_TRUNCATED);
    }
    return (this.b[this.p++]! << 24) >> 24;
  }

  /** int16, big-endian. */
  i16(): number {
    const p = this.p;
    if (p + 2 > this.e) {
      return this.fail(KAFKA_ERR_TRUNCATED);
    }
    const b = this.b;
    this.p = p + 2;
    return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16;
  }

  /** int32, big-endian. */
  i32(): number {
    const p = this.p;
    if (p + 4 > this.e) {
      return this.fail(KAFKA_ERR_TRUNCATED);
    }
    const b = this.b;
    this.p = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** int64, big-endian (0n after an error). */
  i64(): bigint {
    const hi = this.i32();
    const lo = this.i32();
    return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  }

  /** Unsigned varint of at most 5 bytes and 32 bits (Kafka's unsigned_varint). */
  uvarint(): number {
    const b = this.b;
    const e = this.e;
    let p = this.p;
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= e) {
        return this.fail(KAFKA_ERR_TRUNCATED);
      }
      const c = b[p++]!;
      if (shift === 28 && c > 0x0f) {
        return this.fail(KAFKA_ERR_VARINT);
      }
      v += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) {
        this.p = p;
        return v;
      }
    }
    return this.fail(KAFKA_ERR_VARINT);
  }

  /** Signed (zigzag) varint of 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /**
   * Length of a string, bytes or array field: int16 (strings) or int32 (bytes, arrays) when not
   * flexible, uvarint - 1 when flexible. Returns -1 for null, the length otherwise; a length past the
   * bytes left (for arrays: elements of at least `minElem` bytes) is an error.
   */
  len(flex: boolean, wide: boolean, minElem: number): number {
    let n: number;
    if (flex) {
      n = this.uvarint() - 1;
    } else {
      n = wide ? this.i32() : this.i16();
    }
    if (this.err !== 0) {
      return 0;
    }
    if (n < -1 || n * minElem > this.e - this.p) {
      return this.fail(KAFKA_ERR_LENGTH);
    }
    return n;
  }

  /** A string (null when nullable and null; a null non-nullable string is an error). */
  str(flex: boolean, nullable: boolean): string | null {
    const n = this.len(flex, false, 1);
    if (n < 0) {
      if (!nullable) {
        this.fail(KAFKA_ERR_NULL);
      }
      return null;
    }
    const s = this.text(this.p, n);
    this.p += n;
    return s;
  }

  /** The text of `b[p, p + n)` (n >= 0, in bounds), through the string cache. */
  text(p: number, n: number): string {
    if (n === 0 || n > CACHE_MAX_LEN) {
      return n === 0 ? "" : kafkaText(this.b, p, n);
    }
    const b = this.b;
    const slot = (n * 7 + b[p]! * 3 + b[p + n - 1]!) & (CACHE_SLOTS - 1);
    const key = this.cacheKeys[slot]!;
    if (key.length === n) {
      let i = 0;
      while (i < n && key[i] === b[p + i]) {
        i++;
      }
      if (i === n) {
        return this.cacheVals[slot]!;
      }
    }
    const s = kafkaText(b, p, n);
    const copy = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      copy[i] = b[p + i]!;
    }
    this.cacheKeys[slot] = copy;
    this.cacheVals[slot] = s;
    return s;
  }

  /** A non-nullable string, "" after an error. */
  name(flex: boolean): string {
    return this.str(flex, false) ?? "";
  }

  /** Skip a string (nullable or not). */
  skipStr(flex: boolean): void {
    const n = this.len(flex, false, 1);
    if (n > 0) {
      this.p += n;
    }
  }

  /** Skip a bytes / records field (nullable). */
  skipBytes(flex: boolean): void {
    const n = this.len(flex, true, 1);
    if (n > 0) {
      this.p += n;
    }
  }

  /** Array count: -1 for null, else the count, checked against elements of `minElem` bytes. */
  array(flex: boolean, minElem: number): number {
    return this.len(flex, true, minElem);
  }

  /** Skip an array of int32 (nullable). */
  skipI32Array(flex: boolean): void {
    const n = this.len(flex, true, 4);
    if (n > 0) {
      this.p += 4 * n;
    }
  }

  /** Skip a tagged-field section (only present in flexible versions). */
  tags(flex: boolean): void {
    if (!flex) {
      return;
    }
    const count = this.uvarint();
    for (let i = 0; i < count && this.err === 0; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.skip(size);
    }
  }
}

// ## Request header

/** A decoded request header; `bodyStart` is where the request body begins. */
export interface KafkaHeader {
  /** API key. */
  apiKey: number;
  /** API version. */
  apiVersion: number;
  /** Correlation id. */
  correlationId: number;
  /** Client id ("" when null or absent). */
  clientId: string;
  /** Whether the body uses the flexible (compact) encoding; false for unknown keys. */
  flexible: boolean;
  /** Offset of the first body byte. */
  bodyStart: number;
}

/** A fresh header record to be filled by readKafkaHeader (one per decoder, reused). */
export function newKafkaHeader(): KafkaHeader {
  return { apiKey: 0, apiVersion: 0, correlationId: 0, clientId: "", flexible: false, bodyStart: 0 };
}

/**
 * Read the request header from the cursor, which covers one whole request after its size field, into
 * `h`. Returns KAFKA_OK or a KAFKA_ERR_* code. Header v0 (ControlledShutdown v0) has no client id; for
 * keys past the flexible table the header is read as v1 and `flexible` is false.
 */
export function readKafkaHeader(c: KafkaCursor, h: KafkaHeader): number {
  const apiKey = c.i16();
  const apiVersion = c.i16();
  const correlationId = c.i32();
  if (c.err !== 0) {
    return c.err;
  }
  if (apiKey < 0 || apiVersion < 0) {
    c.fail(KAFKA_ERR_HEADER);
    return c.err;
  }
  h.apiKey = apiKey;
  h.apiVersion = apiVersion;
  h.correlationId = correlationId;
  h.flexible = kafkaFlexible(apiKey, apiVersion);
  if (apiKey === 7 && apiVersion === 0) {
    h.clientId = "";
  } else {
    // client_id is a nullable int16 string even in header v2 (it predates compact strings).
    h.clientId = c.str(false, true) ?? "";
    c.tags(h.flexible);
  }
  h.bodyStart = c.p;
  return c.err;
}
