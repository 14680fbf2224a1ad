/**
 * @fileoverview Minimal types for `hpack.js` (2.1.x), the HPACK implementation the HPACK decoder tests
 * use as an independent oracle: only the members the tests touch, including the private `_table` the
 * oracle's table size is read from.
 */
declare module "hpack.js" {
  /** A header handed to the compressor; `huffman`/`incremental` default to true. */
  export interface OracleHeaderIn {
    name: string;
    value: string;
    huffman?: boolean;
    incremental?: boolean;
    neverIndex?: boolean;
  }
  /** A header the decompressor emits. */
  export interface OracleHeaderOut {
    name: string;
    value: string;
    neverIndex: boolean;
  }
  /** One dynamic table entry (newest last). */
  export interface OracleEntry {
    name: string;
    value: string;
  }
  /** The shared table of a compressor or decompressor. */
  export interface OracleTable {
    size: number;
    maxSize: number;
    protocolMaxSize: number;
    dynamic: OracleEntry[];
    updateSize(size: number): void;
  }
  /** `table.maxSize` is the protocol maximum (the largest size update allowed) and the initial size. */
  export interface OracleOptions {
    table: { maxSize: number };
  }
  /** Header lists in, one encoded block out per write. */
  export interface OracleCompressor {
    write(headers: OracleHeaderIn[]): boolean;
    read(): Buffer | null;
    _table: OracleTable;
  }
  /** Blocks in, headers out (one per read) after execute(). */
  export interface OracleDecompressor {
    write(block: Uint8Array): boolean;
    execute(cb?: (err: Error | null) => void): void;
    read(): OracleHeaderOut | null;
    updateTableSize(size: number): void;
    _table: OracleTable;
  }
  /** Bit-level writer. */
  export interface OracleEncoder {
    encodeBits(bits: number, len: number): void;
    encodeInt(n: number): void;
    render(): Buffer[];
  }
  /** The package's CommonJS exports (default import). */
  const hpack: {
    compressor: { create(options: OracleOptions): OracleCompressor };
    decompressor: { create(options: OracleOptions): OracleDecompressor };
    encoder: { create(): OracleEncoder };
    /** `encode[sym]` = [length in bits, code]; sym 256 is EOS. */
    huffman: { encode: [number, number][] };
    "static-table": { table: OracleEntry[] };
  };
  export default hpack;
}
