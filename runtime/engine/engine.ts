/**
 * @fileoverview The engine: a verified program, the packet parser, conntrack and the runtime services
 * wired together, with counters and an optional flow callback. This is what embedders use.
 *
 *     const engine = Engine.load(bundleBytes);              // LoadError if the bundle is refused
 *     const r = engine.process(frame, { timestampNs });      // one packet
 *     engine.processBatch(batch, out);                       // many, without per-packet allocation
 *     const fast = await Engine.loadAsync(bundleBytes, { backend: "wasm" });
 *
 * Time comes from the packets (timestampNs, nanoseconds as a double), so a replay is deterministic.
 * `process` allocates its result object; `processBatch` allocates nothing per packet.
 *
 * Backends: "interp" (the default) runs interp/exec.ts; "wasm" compiles the program and its table
 * lookups with binaryen (runtime/wasm, imported only then), which is why it needs `loadAsync`. With
 * wasm, `processBatch` copies the frames into linear memory, where the generated parser fills the
 * context slots, and makes one wasm call for all of them. The conntrack lookup runs in wasm over a
 * table kept in linear memory (runtime/conntrack/region.ts) and calls the JS service only for what its
 * fast path leaves to JS (ICMP errors, expiry, reopening, redirected replies); the other services
 * (conntrack create, log, L7) are imported JS functions called with the slot, so they see the packet's
 * own frame and time. `onPacket` then runs for the slots in order after that call (with the
 * interpreter it runs after each packet). A packet traced with a
 * `hook` runs in the interpreter on the same counters. Both backends give the same results.
 *
 * L7: when the bundle has L7 rule sets, the engine owns an L7 datapath (runtime/l7/datapath) that
 * SVC_L7_INSPECT runs for redirected packets, and that reads the replies of redirected connections
 * when conntrack matches them; with toFQDNs peers it owns the FQDN cache that DNS answers fill and
 * SVC_IPCACHE_LOOKUP reads. L7 records go to `onL7Record`. The L7 datapath allocates per request.
 */

import { LoadError } from "../bytecode/load-error.js";
import {
  SVC_CT_CREATE,
  SVC_CT_LOOKUP,
  SVC_IPCACHE_LOOKUP,
  SVC_L7_INSPECT,
  SVC_LOG,
} from "../bytecode/opcodes.js";
import { Conntrack, DEFAULT_CAPACITY, MAX_CAPACITY } from "../conntrack/conntrack.js";
import {
  CT_ESTABLISHED,
  CT_NEW,
  CT_RELATED,
  CT_REOPENED,
  CT_REPLY,
  F_CT_STATE,
  F_DIRECTION,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_ICMP_CODE,
  F_ICMP_TYPE,
  F_IP_VERSION,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_REPLY,
  createContext,
} from "../context.js";
import { L7Datapath } from "../l7/datapath/datapath.js";
import { readL7RuleSets } from "../l7/decode.js";
import { FqdnCache } from "../l7/fqdn/cache.js";
import { RESULT_WORDS, exec } from "../interp/exec.js";
import type { ExecHook, ServiceHandler } from "../interp/exec.js";
import { readMetadata } from "../metadata.js";
import type { BundleMetadata } from "../metadata.js";
import { ipToString } from "../packet/describe.js";
import { parsePacket } from "../packet/parse.js";
import { loadProgram } from "../program.js";
import type { Program } from "../program.js";
import { VERDICT_REDIRECTED, dropReasonName, verdictName } from "../verdict.js";
import { SlotFrames, parseIntoSlots } from "../wasm/batch.js";
import { loadWasmProgram } from "../wasm/instance.js";
import type { WasmProgram } from "../wasm/instance.js";
import { passthroughBundle } from "./passthrough.js";
import type {
  BatchResults,
  EngineCounters,
  EngineOptions,
  PacketBatch,
  PacketEvent,
  PacketResult,
  ProcessOptions,
} from "./types.js";

export type {
  BatchResults,
  EngineCounters,
  EngineOptions,
  PacketBatch,
  PacketEvent,
  PacketResult,
  ProcessOptions,
  Tuple,
} from "./types.js";

const CT_NAMES: Readonly<Record<number, string>> = {
  [CT_NEW]: "new",
  [CT_ESTABLISHED]: "established",
  [CT_REPLY]: "reply",
  [CT_RELATED]: "related",
  [CT_REOPENED]: "reopened",
};

/** The packet engine. */
export class Engine {
  /** The loaded program. */
  readonly program: Program;
  /** Connection tracking. */
  readonly conntrack: Conntrack;
  /** The bundle's metadata (names of endpoints and identities), if it has any. */
  readonly metadata: BundleMetadata | undefined;
  /** The L7 datapath, when the bundle has L7 rule sets. */
  readonly l7: L7Datapath | undefined;
  /** Addresses learned from DNS answers, when the bundle has toFQDNs peers. */
  readonly fqdnCache: FqdnCache | undefined;
  private ctx: Uint32Array;
  private readonly out = new Uint32Array(RESULT_WORDS);
  private readonly verdictCounts = new Float64Array(256);
  private readonly reasonCounts = new Float64Array(65536);
  private packets = 0;
  private bytes = 0;
  private lastNs = 0;
  private frame: Uint8Array = new Uint8Array(0);
  private frameBase = 0;
  private readonly onPacket: ((event: PacketEvent) => void) | undefined;
  private readonly services: ServiceHandler;
  private readonly logHits: number[] = [];
  /** The wasm backend, when loaded with backend "wasm". */
  private readonly wasm: WasmProgram | undefined;
  /** wasm: start of each slot's frame in `frame`, and each slot's time, for services called from wasm. */
  private readonly slots: SlotFrames;

  private constructor(program: Program, options: EngineOptions, wasm?: WasmProgram) {
    this.program = program;
    this.wasm = wasm;
    this.ctx = wasm === undefined ? createContext() : wasm.contexts[0]!;
    this.slots = new SlotFrames(wasm?.slots ?? 0);
    this.metadata = readMetadata(program.bundle);
    // wasm: the table lives in the program's memory, where CALL SVC_CT_LOOKUP's fast path reads it.
    this.conntrack = new Conntrack(options.conntrack ?? {}, wasm?.conntrackMemory);
    this.onPacket = options.onPacket;
    const fqdnMeta = this.metadata?.fqdn;
    this.fqdnCache = fqdnMeta === undefined ? undefined : new FqdnCache(fqdnMeta, options.fqdn ?? {});
    const l7Sets = readL7RuleSets(program.bundle).sets;
    this.l7 =
      l7Sets.length === 0
        ? undefined
        : new L7Datapath(l7Sets, this.fqdnCache, {
            ...options.l7,
            ...(options.onL7Record !== undefined ? { onRecord: options.onL7Record } : {}),
          });
    this.services = (service, regs, ctx) => {
      switch (service) {
        case SVC_CT_LOOKUP: {
          const state = this.conntrack.lookup(ctx, this.frame, this.lastNs, this.frameBase);
          if (
            state === CT_REPLY &&
            this.l7 !== undefined &&
            this.conntrack.matchedVerdict === VERDICT_REDIRECTED
          ) {
            // A reply of a redirected connection: the L7 datapath reads it now (DNS answers teach the
            // FQDN cache before the next packet, on both backends), the program forwards it.
            this.l7.observeReply(ctx, this.frame, this.frameBase, this.lastNs);
          }
          return state;
        }
        case SVC_L7_INSPECT:
          return this.l7 === undefined
            ? 0
            : this.l7.inspect(ctx, this.frame, this.frameBase, this.lastNs, regs[1]!);
        case SVC_IPCACHE_LOOKUP:
          return this.fqdnCache === undefined ? 0 : this.fqdnCache.lookup(ctx, regs[1] !== 1, this.lastNs);
        case SVC_CT_CREATE:
          return this.conntrack.create(ctx, this.lastNs, regs[1]);
        case SVC_LOG:
          this.logHits.push(regs[1]!);
          return 0;
        default:
          return 0; // SVC_FQDN_LEARN is reserved: learning happens on DNS answers, not by the program
      }
    };
    if (wasm !== undefined) {
      wasm.onService = (service, slot, regs, ctx) => {
        this.frameBase = this.slots.base[slot]!;
        this.lastNs = this.slots.ns[slot]!;
        return this.services(service, regs, ctx);
      };
    }
  }

  /**
   * Load and verify `bundle` (or, with none, the pass-through program that polices nothing).
   * Throws LoadError for a refused bundle.
   */
  static load(bundle?: Uint8Array | null, options: EngineOptions = {}): Engine {
    if (options.backend === "wasm") {
      throw new LoadError(
        "bad-program",
        0,
        "backend 'wasm' is compiled asynchronously: use Engine.loadAsync",
      );
    }
    if (options.backend !== undefined && options.backend !== "interp") {
      throw new LoadError("bad-program", 0, `backend '${String(options.backend)}' is not available`);
    }
    return new Engine(Engine.loadProgram(bundle, options), options);
  }

  /**
   * Like `load`, for every backend; backend "wasm" imports binaryen (once per process) and compiles
   * the program and its lookups to WebAssembly. Throws LoadError for a refused bundle.
   */
  static async loadAsync(bundle?: Uint8Array | null, options: EngineOptions = {}): Promise<Engine> {
    if (options.backend !== "wasm") {
      return Engine.load(bundle, options);
    }
    const program = Engine.loadProgram(bundle, options);
    const capacity = options.conntrack?.capacity ?? DEFAULT_CAPACITY;
    // An invalid capacity gets no region: the Conntrack constructor then throws its RangeError.
    const valid = Number.isInteger(capacity) && capacity >= 1 && capacity <= MAX_CAPACITY;
    const wasm = await loadWasmProgram(program, valid ? { conntrackCapacity: capacity } : {});
    return new Engine(wasm.program, options, wasm);
  }

  private static loadProgram(bundle: Uint8Array | null | undefined, options: EngineOptions): Program {
    const bytes = bundle ?? passthroughBundle();
    return loadProgram(bytes, options.tableAlgorithm ? { tableAlgorithm: options.tableAlgorithm } : {});
  }

  /** The execution backend in use. */
  get backend(): "interp" | "wasm" {
    return this.wasm === undefined ? "interp" : "wasm";
  }

  /** Run one packet: parse, execute, count. Returns the verdict, drop reason, rule and what was parsed. */
  process(frame: Uint8Array, options: ProcessOptions = {}): PacketResult {
    if (this.wasm !== undefined) {
      this.ctx = this.wasm.contexts[0]!;
    }
    const ctx = this.ctx;
    this.runOne(
      frame,
      0,
      frame.length,
      options.linkType ?? 1,
      options.timestampNs ?? this.lastNs,
      options.direction ?? 0,
      options.hook ?? null,
    );
    const out = this.out;
    const reason = out[1]!;
    return {
      verdict: out[0]!,
      verdictName: verdictName(out[0]!),
      dropReason: reason,
      dropReasonName: reason === 0 ? undefined : dropReasonName(reason),
      ruleId: out[2] === 0xffffffff ? undefined : out[2],
      tuple: {
        ipVersion: ctx[F_IP_VERSION]!,
        src: ctx[F_IP_VERSION] === 0 ? "" : ipToString(ctx, F_SRC_IP6),
        dst: ctx[F_IP_VERSION] === 0 ? "" : ipToString(ctx, F_DST_IP6),
        protocol: ctx[F_PROTO]!,
        srcPort: ctx[F_SRC_PORT]!,
        dstPort: ctx[F_DST_PORT]!,
        icmpType: ctx[F_ICMP_TYPE]!,
        icmpCode: ctx[F_ICMP_CODE]!,
        tcpFlags: ctx[F_TCP_FLAGS]!,
      },
      ctState: ctx[F_CT_STATE]!,
      ctStateName: CT_NAMES[ctx[F_CT_STATE]!] ?? "unknown",
      isReply: (ctx[F_FLAGS]! & PKT_REPLY) !== 0,
    };
  }

  /** The context of the last packet (live; copy what you keep). */
  get context(): Uint32Array {
    return this.ctx;
  }

  /** Run a batch; writes one verdict, reason and rule id per frame. No per-packet allocation. */
  processBatch(batch: PacketBatch, results: BatchResults): void {
    if (this.wasm !== undefined) {
      this.processBatchWasm(this.wasm, batch, results);
      return;
    }
    const n = batch.count ?? batch.offsets.length;
    const linkType = batch.linkType ?? 1;
    const out = this.out;
    for (let i = 0; i < n; i++) {
      this.runOne(
        batch.frames,
        batch.offsets[i]!,
        batch.lengths[i]!,
        linkType,
        batch.timestampsNs[i]!,
        0,
        null,
      );
      results.verdicts[i] = out[0]!;
      results.reasons[i] = out[1]!;
      results.rules[i] = out[2]!;
    }
  }

  private runOne(
    frame: Uint8Array,
    offset: number,
    length: number,
    linkType: number,
    timestampNs: number,
    direction: number,
    hook: ExecHook | null,
  ): void {
    const ctx = this.ctx;
    this.frame = frame;
    this.frameBase = offset;
    if (timestampNs === timestampNs) {
      this.lastNs = timestampNs;
    }
    parsePacket(frame, offset, length, linkType, ctx);
    ctx[F_DIRECTION] = direction;
    ctx[F_CT_STATE] = 0;
    const wasm = this.wasm;
    let verdict: number;
    if (wasm === undefined) {
      verdict = exec(this.program, ctx, this.out, this.services, hook);
    } else if (hook !== null) {
      // Traced: the interpreter, on the same memory-backed counters and the same META carry.
      wasm.carryIn(ctx);
      verdict = exec(this.program, ctx, this.out, this.services, hook);
      wasm.carryOut(ctx);
    } else {
      this.slots.base[0] = offset;
      this.slots.ns[0] = this.lastNs;
      wasm.parser.timesNs[0] = this.lastNs; // the conntrack fast path's clock
      wasm.run(0, 1);
      const res = wasm.results;
      this.out[0] = res[0]!;
      this.out[1] = res[1]!;
      this.out[2] = res[2]!;
      verdict = this.out[0];
    }
    this.account(ctx, frame, offset, length, this.lastNs, verdict, this.out[1]!, this.out[2]!);
  }

  /** Counts one finished packet and reports it to `onPacket`. */
  private account(
    ctx: Uint32Array,
    frame: Uint8Array,
    offset: number,
    length: number,
    timestampNs: number,
    verdict: number,
    reason: number,
    ruleId: number,
  ): void {
    this.packets++;
    this.bytes += length;
    this.verdictCounts[verdict & 0xff]!++;
    if (reason !== 0) {
      this.reasonCounts[reason & 0xffff]!++;
    }
    if (this.onPacket !== undefined) {
      this.onPacket({
        ctx,
        frame: frame.subarray(offset, offset + length),
        timestampNs,
        verdict,
        dropReason: reason,
        ruleId,
      });
    }
  }

  /** processBatch on the wasm backend: parse up to `slots` frames into the slots, one wasm call, account. */
  private processBatchWasm(wasm: WasmProgram, batch: PacketBatch, results: BatchResults): void {
    const n = batch.count ?? batch.offsets.length;
    const res = wasm.results;
    this.frame = batch.frames;
    for (let start = 0; start < n; start += wasm.slots) {
      const count = Math.min(wasm.slots, n - start);
      const ns = parseIntoSlots(wasm, batch, batch.linkType ?? 1, start, count, this.slots, this.lastNs);
      wasm.run(0, count);
      this.lastNs = ns;
      for (let s = 0; s < count; s++) {
        const i = start + s;
        results.verdicts[i] = res[3 * s]!;
        results.reasons[i] = res[3 * s + 1]!;
        results.rules[i] = res[3 * s + 2]!;
        const { frames, offsets, lengths } = batch;
        const ctx = wasm.contexts[s]!;
        this.account(
          ctx,
          frames,
          offsets[i]!,
          lengths[i]!,
          this.slots.ns[s]!,
          res[3 * s]!,
          res[3 * s + 1]!,
          res[3 * s + 2]!,
        );
      }
      this.ctx = wasm.contexts[count - 1]!;
    }
  }

  /** Rule ids recorded by Calico Log rules since the last call (and clears them). */
  takeLogHits(): number[] {
    return this.logHits.splice(0);
  }

  /** A snapshot of every counter. */
  counters(): EngineCounters {
    const verdicts: Record<string, number> = {};
    this.verdictCounts.forEach((n, v) => {
      if (n > 0) {
        verdicts[verdictName(v)] = n;
      }
    });
    const dropReasons: Record<string, number> = {};
    this.reasonCounts.forEach((n, r) => {
      if (n > 0) {
        dropReasons[dropReasonName(r)] = n;
      }
    });
    const names = this.program.bundle.program.counterNames.map((i) => this.program.bundle.strings[i] ?? "");
    const program: Record<string, number> = {};
    names.forEach((name, i) => {
      program[name] = this.program.counters[i]!;
    });
    return {
      packets: this.packets,
      bytes: this.bytes,
      verdicts,
      dropReasons,
      program,
      conntrack: this.conntrack.counters,
      ...(this.l7 !== undefined ? { l7: this.l7.counters } : {}),
      ...(this.fqdnCache !== undefined ? { fqdn: { ...this.fqdnCache.counters } } : {}),
    };
  }
}
