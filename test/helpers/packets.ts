// Tests build packets with the library's constructors.
export * from "../../runtime/packet/craft.js";
