/**
 * The toolchain's version, the one every program reports: `agora --version`, the language
 * server's `serverInfo`. A constant in code (not read from package.json at run time) so it
 * works the same from sources, from dist/ and inside the extension's bundled server.
 *
 * The npm and VS Code manifests (package.json, extension/package.json) must carry it too,
 * since npm and vsce read it there; test/version.test.ts fails when any of them differs.
 * To release: change it here and in both manifests.
 */
export const AGORA_VERSION = "0.1.0";
