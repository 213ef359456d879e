import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePythonModule } from "../compiler/python-backend.js";
import { loadExample } from "./kernels.js";

/**
 * The generated NumPy module (`agora compile --target python`) beside hand-written NumPy
 * versions of the same games (bench/python/handwritten.py), timed in one Python process,
 * interleaved, as a ratio (bench/python/bench.py).
 */
export function benchPython(root: string, numEnvs = 4096) {
  const dir = mkdtempSync(join(tmpdir(), "agora-bench-python-"));
  try {
    const paths = ["iterated_pd.game", "public_goods.game"].map((name) => {
      const path = join(dir, name.replace(".game", ".py"));
      writeFileSync(path, generatePythonModule(loadExample(root, name), { sourceName: name }));
      return path;
    });
    const run = spawnSync(
      process.env.AGORA_PYTHON ?? "python3",
      [join(root, "bench", "python", "bench.py"), ...paths, "--envs", String(numEnvs)],
      { stdio: "inherit" },
    );
    if (run.error) console.log(`\nNumPy env.py: cannot run python3 (${run.error.message})`);
    else if (run.status !== 0) console.log(`\nNumPy env.py: bench.py failed (exit ${run.status})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
