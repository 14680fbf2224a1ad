/**
 * @fileoverview Decoder of the L7_RULES section body (layout in rule-set.ts), and the lazy, total
 * accessor the engine side uses.
 *
 * `decodeL7RuleSets` is strict: any count or string index that runs past the body, an unknown version,
 * kind, flag or mismatch number, or trailing words refuse the whole body with an L7DecodeError naming
 * the word offset. `readL7RuleSets(bundle)` never throws: the loader does not verify raw sections yet,
 * so a bad body reads as "no rule sets" with the error reported beside them.
 */

import type { Bundle } from "../bytecode/bundle.js";
import { SEC_L7_RULES } from "../bytecode/bundle.js";
import {
  L7_DNS,
  L7_FORMAT_VERSION,
  L7_GENERIC,
  L7_HTTP,
  L7_KAFKA,
  MISMATCH_ACTIONS,
  NO_STR,
  NO_VALUE,
  RULE_FLAGS_KNOWN,
} from "./rule-set.js";
import type {
  L7DnsRule,
  L7GenericRule,
  L7Header,
  L7HttpRule,
  L7KafkaRule,
  L7RuleOrigin,
  L7RuleSet,
} from "./rule-set.js";

/** A malformed L7_RULES body. */
export class L7DecodeError extends Error {
  override name = "L7DecodeError";
  /** Word offset where decoding failed. */
  readonly word: number;

  constructor(word: number, message: string) {
    super(`L7 rule sets, word ${word}: ${message}`);
    this.word = word;
  }
}

/** A word cursor over the body with bounds checks. */
class Reader {
  private readonly view: DataView;
  /** The body. */
  readonly bytes: Uint8Array;
  /** Number of words. */
  readonly words: number;
  /** Next word. */
  at = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    if (bytes.length % 4 !== 0) {
      throw new L7DecodeError(0, `body length ${bytes.length} is not a multiple of 4`);
    }
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.words = bytes.length / 4;
  }

  u32(what: string): number {
    if (this.at >= this.words) {
      throw new L7DecodeError(this.at, `body ends before ${what}`);
    }
    return this.view.getUint32(4 * this.at++, true);
  }

  /** A count of items of at least `minWords` words each, checked against the words left. */
  count(what: string, minWords: number): number {
    const n = this.u32(what);
    if (n * minWords > this.words - this.at) {
      throw new L7DecodeError(
        this.at - 1,
        `${what} ${n} does not fit in the ${this.words - this.at} words left`,
      );
    }
    return n;
  }
}

function readStrings(r: Reader): string[] {
  const n = r.count("string count", 1);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.u32(`length of string ${i}`);
    const words = Math.ceil(len / 4);
    if (words > r.words - r.at) {
      throw new L7DecodeError(r.at - 1, `string ${i} of ${len} bytes runs past the body`);
    }
    try {
      out.push(decoder.decode(r.bytes.subarray(4 * r.at, 4 * r.at + len)));
    } catch {
      throw new L7DecodeError(r.at, `string ${i} is not valid UTF-8`);
    }
    r.at += words;
  }
  return out;
}

/** Decode a body; throws L7DecodeError when it is malformed. */
export function decodeL7RuleSets(body: Uint8Array): L7RuleSet[] {
  const r = new Reader(body);
  const version = r.u32("the version");
  if (version !== L7_FORMAT_VERSION) {
    throw new L7DecodeError(0, `version ${version} is not ${L7_FORMAT_VERSION}`);
  }
  const strings = readStrings(r);
  const str = (what: string): string | undefined => {
    const i = r.u32(what);
    if (i === NO_STR) {
      return undefined;
    }
    const s = strings[i];
    if (s === undefined) {
      throw new L7DecodeError(r.at - 1, `${what}: string ${i} is out of range (${strings.length} strings)`);
    }
    return s;
  };
  const need = (what: string): string => {
    const s = str(what);
    if (s === undefined) {
      throw new L7DecodeError(r.at - 1, `${what} is required`);
    }
    return s;
  };
  const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
    (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
  const origin = (): L7RuleOrigin => {
    const ruleId = r.u32("rule id");
    const index = r.u32("rule index");
    const line = r.u32("line");
    const column = r.u32("column");
    const flags = r.u32("rule flags");
    if ((flags & ~RULE_FLAGS_KNOWN) !== 0) {
      throw new L7DecodeError(r.at - 1, `unknown rule flags 0x${flags.toString(16)}`);
    }
    return { ruleId, index, line, column, flags };
  };
  const header = (): L7Header => {
    const name = need("header name");
    const value = str("header value");
    const ns = str("secret namespace");
    const secret = str("secret name");
    const m = r.u32("mismatch action");
    const mismatch = MISMATCH_ACTIONS[m];
    if (m >= MISMATCH_ACTIONS.length) {
      throw new L7DecodeError(r.at - 1, `unknown mismatch action ${m}`);
    }
    return {
      name,
      ...opt("value", value),
      ...opt("secretNamespace", ns),
      ...opt("secretName", secret),
      ...opt("mismatch", mismatch),
    };
  };
  const http = (): L7HttpRule => {
    const o = origin();
    const method = str("method");
    const path = str("path");
    const host = str("host");
    const n = r.count("header count", 5);
    const headers = Array.from({ length: n }, header);
    return { ...o, ...opt("method", method), ...opt("path", path), ...opt("host", host), headers };
  };
  const kafka = (): L7KafkaRule => {
    const o = origin();
    const role = r.u32("role");
    if (role > 2) {
      throw new L7DecodeError(r.at - 1, `unknown Kafka role ${role}`);
    }
    const version = r.u32("api version");
    const clientId = str("client id");
    const topic = str("topic");
    const n = r.count("api key count", 1);
    const apiKeys = Array.from({ length: n }, () => r.u32("api key"));
    return {
      ...o,
      ...(role === 0 ? {} : { role: role === 1 ? ("produce" as const) : ("consume" as const) }),
      ...opt("apiVersion", version === NO_VALUE ? undefined : version),
      ...opt("clientId", clientId),
      ...opt("topic", topic),
      apiKeys,
    };
  };
  const dns = (): L7DnsRule => {
    const o = origin();
    const matchName = str("match name");
    const matchPattern = str("match pattern");
    return {
      ...o,
      ...opt("matchName", matchName),
      ...opt("matchPattern", matchPattern),
      regex: need("regex"),
    };
  };
  const generic = (): L7GenericRule => {
    const o = origin();
    const n = r.count("pair count", 2);
    const pairs = Array.from({ length: n }, () => [need("key"), need("value")] as const);
    return { ...o, pairs };
  };
  const sets: L7RuleSet[] = [];
  const setCount = r.count("set count", 3);
  for (let i = 0; i < setCount; i++) {
    const kind = r.u32(`kind of set ${i}`);
    const parser = str("parser");
    const n = r.count("rule count", 5);
    switch (kind) {
      case L7_HTTP:
        sets.push({ kind: "http", rules: Array.from({ length: n }, http) });
        break;
      case L7_KAFKA:
        sets.push({ kind: "kafka", rules: Array.from({ length: n }, kafka) });
        break;
      case L7_DNS:
        sets.push({ kind: "dns", rules: Array.from({ length: n }, dns) });
        break;
      case L7_GENERIC:
        if (parser === undefined) {
          throw new L7DecodeError(r.at - 2, `generic set ${i} names no parser`);
        }
        sets.push({ kind: "generic", parser, rules: Array.from({ length: n }, generic) });
        break;
      default:
        throw new L7DecodeError(r.at - 3, `set ${i} has unknown kind ${kind}`);
    }
  }
  if (r.at !== r.words) {
    throw new L7DecodeError(r.at, `${r.words - r.at} words after the last set`);
  }
  return sets;
}

/** The rule sets of a bundle, or none with the reason when its section is malformed. */
export interface L7RuleSets {
  /** Rule sets by index (empty when the bundle has none or the body is malformed). */
  readonly sets: readonly L7RuleSet[];
  /** Why the body was refused, if it was. */
  readonly error?: string;
}

const cache = new WeakMap<Bundle, L7RuleSets>();

/** Decode (once per bundle) the L7 rule sets of `bundle`; never throws. */
export function readL7RuleSets(bundle: Bundle): L7RuleSets {
  let out = cache.get(bundle);
  if (out === undefined) {
    const body = bundle.rawSections.get(SEC_L7_RULES);
    if (body === undefined) {
      out = { sets: [] };
    } else {
      try {
        out = { sets: decodeL7RuleSets(body) };
      } catch (e) {
        out = { sets: [], error: e instanceof Error ? e.message : String(e) };
      }
    }
    cache.set(bundle, out);
  }
  return out;
}
