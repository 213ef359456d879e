/** Exact rationals live with the language, whose constant expressions they evaluate; analysis uses them throughout. */
export * from "../language/util/rational.js";
