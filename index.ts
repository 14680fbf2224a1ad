/**
 * @fileoverview `sluice`: the compiler and the runtime together.
 */

export * from "./compiler/index.js";
export * from "./runtime/index.js";
