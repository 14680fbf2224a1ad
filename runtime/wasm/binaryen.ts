/**
 * @fileoverview Loading binaryen.js, lazily and once per process, and the few binaryen types the code
 * generators share.
 *
 * binaryen is a 15 MB ESM module that takes about half a second and 76 MB to import
 * (performance.md §6), so nothing in the runtime imports it statically: only `compileWasm` awaits
 * `loadBinaryen()`, i.e. only an embedder who asks for the wasm backend pays for it. The types below
 * are `typeof import(...)` types, which the compiler erases, so this file adds no import at run time.
 */

// A type-only `import(...)` type rather than a static type import: test/layering.test.ts rejects
// static imports of binaryen under runtime/, and this form, like a type import, is erased at compile
// time, so nothing loads binaryen before `loadBinaryen()` is called.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
type BinaryenModuleNamespace = typeof import("binaryen");

/** The binaryen.js namespace object (`binaryen.Module`, `binaryen.i32`, …). */
export type Binaryen = BinaryenModuleNamespace["default"];
/** A binaryen module under construction. */
export type BinaryenModule = InstanceType<Binaryen["Module"]>;
/** A binaryen expression reference. */
export type Expr = number;

let loading: Promise<Binaryen> | undefined;

/** binaryen.js, imported on first use (about 0.5 s) and cached for the rest of the process. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= import("binaryen").then((m) => m.default);
  return loading;
}
