/**
 * @fileoverview Reads ClassBench filter sets and header traces.
 *
 * Two rule formats exist (see ../shared/corpus/classbench/README.md):
 *   Song:          `@src/len dst/len slo : shi dlo : dhi proto/mask` (space separated)
 *   db_generator:  the same five fields TAB separated, then a TCP-flags `value/mask` field.
 * The first line has the highest priority and the first match wins. Traces are one header per line:
 * `src dst sport dport proto [flags] expected` in decimal, host byte order.
 *
 * Parse errors name file:line:col, as every sluice input error does.
 */

/** One 5-tuple rule. Addresses are host-order u32; prefix values are already masked. */
export interface ClassBenchRule {
  /** 1-based line number in the rule file. */
  readonly line: number;
  readonly srcAddr: number;
  readonly srcLen: number;
  readonly dstAddr: number;
  readonly dstLen: number;
  readonly srcPortLo: number;
  readonly srcPortHi: number;
  readonly dstPortLo: number;
  readonly dstPortHi: number;
  readonly proto: number;
  readonly protoMask: number;
  /** db_generator TCP flags value/mask, or undefined for the Song format. Not matched (see README). */
  readonly flags?: { readonly value: number; readonly mask: number };
}

/** One trace header. */
export interface ClassBenchHeader {
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly proto: number;
  /** The trace's last column, as written (1-based first match for Song, 0-based generating rule for dbgen). */
  readonly expected: number;
}

/** A malformed rule or trace line. */
export class ClassBenchSyntaxError extends Error {
  /** File name as given. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;

  constructor(file: string, line: number, column: number, detail: string) {
    super(`${file}:${line}:${column}: error[CB001]: ${detail}`);
    this.name = "ClassBenchSyntaxError";
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function parseIp4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) {
    return undefined;
  }
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) {
      return undefined;
    }
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

/** Parse a rule file's text. */
export function parseRules(text: string, file = "<rules>"): ClassBenchRule[] {
  const rules: ClassBenchRule[] = [];
  const lines = text.split("\n");
  // Tokens: @src dst slo : shi dlo : dhi proto/mask [flags/mask]; whitespace (spaces or TABs) separates.
  const shape =
    /^@(\S+)\/(\d+)\s+(\S+)\/(\d+)\s+(\d+)\s*:\s*(\d+)\s+(\d+)\s*:\s*(\d+)\s+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+)(?:\s+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+))?\s*$/;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") {
      return;
    }
    const fail: (col: number, detail: string) => never = (col, detail) => {
      throw new ClassBenchSyntaxError(file, lineNo, col, detail);
    };
    if (!line.startsWith("@")) {
      fail(1, "a rule line starts with '@'; fix: use the ClassBench '@src/len dst/len ...' form");
    }
    const m = shape.exec(line);
    if (m === null) {
      fail(1, "expected '@src/len dst/len slo : shi dlo : dhi 0xPROTO/0xMASK [0xFLAGS/0xMASK]'");
    }
    const g = (k: number): string => m[k] ?? "";
    const src = parseIp4(g(1));
    const dst = parseIp4(g(3));
    const srcLen = Number(g(2));
    const dstLen = Number(g(4));
    if (src === undefined || srcLen > 32) {
      fail(2, `bad source prefix '${g(1)}/${g(2)}'`);
    }
    if (dst === undefined || dstLen > 32) {
      fail(line.indexOf(g(3)) + 1, `bad destination prefix '${g(3)}/${g(4)}'`);
    }
    const ports = [5, 6, 7, 8].map((k) => Number(g(k)));
    const [slo, shi, dlo, dhi] = ports as [number, number, number, number];
    if (ports.some((p) => p > 65535) || slo > shi || dlo > dhi) {
      fail(line.indexOf(":") + 1, "port ranges must be lo : hi with 0 <= lo <= hi <= 65535");
    }
    const proto = parseInt(g(9), 16);
    const protoMask = parseInt(g(10), 16);
    if (proto > 255 || protoMask > 255) {
      fail(line.indexOf("0x") + 1, "protocol value and mask are one byte each");
    }
    rules.push({
      line: lineNo,
      srcAddr: (src & prefixMask(srcLen)) >>> 0,
      srcLen,
      dstAddr: (dst & prefixMask(dstLen)) >>> 0,
      dstLen,
      srcPortLo: slo,
      srcPortHi: shi,
      dstPortLo: dlo,
      dstPortHi: dhi,
      proto: proto & protoMask,
      protoMask,
      ...(m[11] !== undefined ? { flags: { value: parseInt(g(11), 16), mask: parseInt(g(12), 16) } } : {}),
    });
  });
  return rules;
}

/** Parse a trace file's text (Song or db_generator columns). */
export function parseTrace(text: string, file = "<trace>"): ClassBenchHeader[] {
  const out: ClassBenchHeader[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") {
      return;
    }
    const cols = line.split(/\s+/);
    if ((cols.length !== 6 && cols.length !== 7) || cols.some((c) => !/^\d+$/.test(c))) {
      throw new ClassBenchSyntaxError(
        file,
        i + 1,
        1,
        "expected 'src dst sport dport proto [flags] match' in decimal",
      );
    }
    const n = cols.map(Number);
    out.push({
      src: n[0]! >>> 0,
      dst: n[1]! >>> 0,
      sport: n[2]!,
      dport: n[3]!,
      proto: n[4]!,
      expected: n[n.length - 1]!,
    });
  });
  return out;
}

/** Whether `rule` matches `h` (the definition, for the independent first-match oracle). */
export function ruleMatches(rule: ClassBenchRule, h: ClassBenchHeader): boolean {
  return (
    (h.src & prefixMask(rule.srcLen)) >>> 0 === rule.srcAddr &&
    (h.dst & prefixMask(rule.dstLen)) >>> 0 === rule.dstAddr &&
    h.sport >= rule.srcPortLo &&
    h.sport <= rule.srcPortHi &&
    h.dport >= rule.dstPortLo &&
    h.dport <= rule.dstPortHi &&
    (h.proto & rule.protoMask) === rule.proto
  );
}

/** 0-based index of the first rule matching `h`, or -1: the oracle, written from the format's definition. */
export function firstMatch(rules: readonly ClassBenchRule[], h: ClassBenchHeader): number {
  for (let i = 0; i < rules.length; i++) {
    if (ruleMatches(rules[i]!, h)) {
      return i;
    }
  }
  return -1;
}
