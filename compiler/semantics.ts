/**
 * Transitional: the scalar ops moved to scalar-ops.ts. This alias stays only until
 * compiler/tensor/codegen.ts (being reworked in parallel) imports "../scalar-ops.js";
 * then delete this file. Import scalar-ops.js in new code.
 */
export { imod, rdiv, rlog, rmod, rsqrt } from "./scalar-ops.js";
