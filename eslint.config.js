// Lint rules for the whole repository (`npm run lint`, run by `npm test`). Type-aware where
// it pays: exhaustive switches over unions (the IR, the AST, diagnostics) and no promise
// left floating. Layout is Prettier's job (`npm run format:check`), not the linter's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "extension/dist/", "node_modules/", "extension/node_modules/", "runs/", "out/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A `default` counts: the IR's switches end in `assertNever`, and a switch that picks a
      // few kinds says so with a commented `default`.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Prettier wraps code at 120 columns; this catches the comments and code it leaves long.
      "max-len": [
        "error",
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      // Walking a chain from `this` (`for (let s = this; s; s = s.parent)`) is no confusion.
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        performance: "readonly",
        Buffer: "readonly",
      },
    },
  },
);
