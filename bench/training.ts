import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { loadNativeEngine } from "../runtime/engine/native.js";
import type { EngineName } from "../runtime/engine/select.js";
import { train, type MetricsLine } from "../runtime/train.js";
import { fmtRate } from "./kernels.js";

/**
 * End-to-end training throughput on the iterated PD, `agora train` against the peer a user
 * would pick instead: a CleanRL-style PyTorch PPO (bench/peers/ppo_ipd.py) doing the same
 * work (same env logic vectorised in numpy, same separate actor and critic, same copies,
 * rollout, epochs and minibatches). Runs are interleaved, best of the rounds is kept.
 */

interface Measured {
  label: string;
  threads: number;
  wall: number;
  perCpu: number;
  time: { env: number; inference: number; update: number };
  gflops?: number;
}

const ROLLOUT = 32;
const EPOCHS = 4;
const MINIBATCHES = 4;

/** Multiply-adds of one forward pass through the actor (3-H-H-2) and the critic (3-H-H-1). */
function forwardMacs(hidden: number): number {
  return 2 * (3 * hidden + hidden * hidden) + hidden * 2 + hidden;
}

/** FLOP per agent-step: the rollout's forward pass, and per epoch forward + backward (about twice the forward). */
export function flopPerAgentStep(hidden: number): { rollout: number; update: number; total: number } {
  const forward = 2 * forwardMacs(hidden);
  const rollout = forward;
  const update = EPOCHS * 3 * forward;
  return { rollout, update, total: rollout + update };
}

async function runAgora(
  root: string,
  envs: number,
  hidden: number,
  updates: number,
  threads: number,
  backend: EngineName = "native",
): Promise<Measured> {
  const out = mkdtempSync(join(tmpdir(), "agora-bench-"));
  const perUpdate = envs * ROLLOUT * 2;
  const marks: { wall: number; cpu: number; line: MetricsLine }[] = [];
  await train({
    scenarioPath: join(root, "examples/iterated_pd.game"),
    out,
    backend,
    threads,
    opponents: ["self"],
    flags: {
      steps: perUpdate * updates,
      envs,
      rollout: ROLLOUT,
      hidden: [hidden, hidden],
      epochs: EPOCHS,
      minibatches: MINIBATCHES,
    },
    report: false,
    checkpointEvery: 1000,
    onUpdate: (line) => {
      const cpu = process.cpuUsage();
      marks.push({ wall: performance.now(), cpu: (cpu.user + cpu.system) / 1000, line });
    },
  });
  rmSync(out, { recursive: true, force: true });
  // The first update warms up (buffers are allocated, the JIT compiles): measure the rest, whole loop.
  const first = marks[0];
  const last = marks[marks.length - 1];
  const steps = (marks.length - 1) * perUpdate;
  const time = marks.slice(1).reduce(
    (t, m) => ({
      env: t.env + m.line.time.env,
      inference: t.inference + m.line.time.inference,
      update: t.update + m.line.time.update,
    }),
    { env: 0, inference: 0, update: 0 },
  );
  const wall = steps / ((last.wall - first.wall) / 1000);
  return {
    label: backend === "native" ? `agora native, ${threads} thread${threads > 1 ? "s" : ""}` : `agora ${backend}`,
    threads,
    wall,
    perCpu: steps / ((last.cpu - first.cpu) / 1000),
    time,
  };
}

/** A python with torch and numpy: `AGORA_PYTHON`, `python3` on the PATH, or Debian's. */
function findPython(): string | undefined {
  for (const candidate of [process.env.AGORA_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ["-c", "import torch, numpy"], { stdio: "ignore" });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function runPeer(
  root: string,
  python: string,
  envs: number,
  hidden: number,
  updates: number,
  threads: number,
): Measured {
  const out = execFileSync(
    python,
    [
      join(root, "bench/peers/ppo_ipd.py"),
      "--envs",
      String(envs),
      "--rollout",
      String(ROLLOUT),
      "--updates",
      String(updates),
      "--hidden",
      String(hidden),
      "--threads",
      String(threads),
      "--epochs",
      String(EPOCHS),
      "--minibatches",
      String(MINIBATCHES),
    ],
    {
      env: {
        ...process.env,
        OMP_WAIT_POLICY: "PASSIVE",
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
      },
      encoding: "utf8",
    },
  );
  const r = JSON.parse(out.trim().split("\n").pop()!) as {
    agentStepsPerSecond: number;
    agentStepsPerCpuSecond: number;
    time: { env: number; inference: number; update: number };
    matmulGflops: number;
  };
  const ms = { env: r.time.env * 1000, inference: r.time.inference * 1000, update: r.time.update * 1000 };
  return {
    label: `pytorch, ${threads} thread${threads > 1 ? "s" : ""}`,
    threads,
    wall: r.agentStepsPerSecond,
    perCpu: r.agentStepsPerCpuSecond,
    time: ms,
    gflops: r.matmulGflops,
  };
}

function better(a: Measured | undefined, b: Measured): Measured {
  return !a || b.wall > a.wall ? b : a;
}

export async function benchTraining(root: string) {
  const native = loadNativeEngine();
  if (!native.engine) {
    console.log(`\nTraining: the native engine is unavailable (${native.error}); nothing to compare`);
    return;
  }
  const cores = availableParallelism();
  const threadCounts = cores > 1 ? [1, 2] : [1];
  // The arithmetic limit: a core's measured peak of fused multiply-adds per CPU-second (so
  // other processes on the core do not lower it), times the cores used.
  const peak = Math.max(...[0, 1, 2].map(() => native.engine!.peak(2e7)));
  const python = findPython();
  console.log(
    `\nTraining throughput, iterated PD, self-play, rollout ${ROLLOUT}, ${EPOCHS} epochs x ${MINIBATCHES} minibatches, separate actor and critic, ReLU (agent-steps/s, whole loop)`,
  );
  console.log(
    `  arithmetic limit: ${peak.toFixed(0)} GFLOP per CPU-second per core, measured (fused multiply-adds, widest vectors); ${cores} core${cores > 1 ? "s" : ""} here, shared with whatever else runs`,
  );
  console.log(
    "  % of limit: wall GFLOP/s against the cores used; per CPU-s: GFLOP per CPU-second against one core's peak (what the run got of the CPU time it was given)",
  );
  if (!python)
    console.log(
      "  peer skipped: no python3 with torch and numpy (Debian: apt-get install python3-torch python3-numpy libopenblas0-pthread)",
    );
  const configs = [
    { hidden: 64, envs: 1024, updates: 4, rounds: 2 },
    { hidden: 64, envs: 4096, updates: 3, rounds: 2 },
    { hidden: 256, envs: 1024, updates: 2, rounds: 1 },
  ];
  for (const { hidden, envs, updates, rounds } of configs) {
    const flop = flopPerAgentStep(hidden);
    console.log(
      `\n  3-${hidden}-${hidden} networks, ${envs} copies x 2 players, ${(flop.total / 1000).toFixed(0)} kFLOP per agent-step (${(flop.rollout / 1000).toFixed(1)}k rollout + ${(flop.update / 1000).toFixed(0)}k update); best of ${rounds} interleaved round${rounds > 1 ? "s" : ""}`,
    );
    const best = new Map<string, Measured>();
    for (let round = 0; round < rounds; round++) {
      for (const threads of threadCounts) {
        const a = await runAgora(root, envs, hidden, updates, threads);
        best.set(a.label, better(best.get(a.label), a));
        if (python) {
          const p = runPeer(root, python, envs, hidden, updates, threads);
          best.set(p.label, better(best.get(p.label), p));
        }
      }
    }
    for (const m of best.values()) {
      const total = m.time.env + m.time.inference + m.time.update;
      const share = (x: number) => `${((100 * x) / total).toFixed(0)}%`.padStart(3);
      const gflops = (m.wall * flop.total) / 1e9;
      const perCpu = (m.perCpu * flop.total) / 1e9;
      const limit = peak * m.threads;
      console.log(
        `    ${m.label.padEnd(24)} ${fmtRate(m.wall).padStart(7)} wall  ${fmtRate(m.perCpu).padStart(7)} per CPU-s   env ${share(m.time.env)} inference ${share(m.time.inference)} update ${share(m.time.update)}   ${gflops.toFixed(1).padStart(5)} GFLOP/s = ${((100 * gflops) / limit).toFixed(1).padStart(4)}% of ${m.threads} core${m.threads > 1 ? "s" : ""}, per CPU-s ${((100 * perCpu) / peak).toFixed(1).padStart(4)}%${m.gflops ? `   (torch matmul ${m.gflops.toFixed(1)} GFLOP/s)` : ""}`,
      );
    }
    const agora = [...best.values()]
      .filter((m) => m.label.startsWith("agora"))
      .reduce<Measured | undefined>(better, undefined)!;
    const peer = [...best.values()]
      .filter((m) => m.label.startsWith("pytorch"))
      .reduce<Measured | undefined>(better, undefined);
    const fraction = (agora.wall * flop.total) / 1e9 / (peak * agora.threads);
    const fractionPerCpu = (agora.perCpu * flop.total) / 1e9 / peak;
    if (peer) {
      const ratio = agora.wall / peer.wall;
      console.log(
        `    agora (${agora.label.replace("agora ", "")}) / best pytorch (${peer.threads} thread${peer.threads > 1 ? "s" : ""}): ${ratio.toFixed(2)}x wall, ${(agora.perCpu / peer.perCpu).toFixed(2)}x per CPU-s; target >= 2x: ${ratio >= 2 ? "met" : "NOT met"}; >= 20% of the limit of the cores used: ${fractionPerCpu >= 0.2 ? "met" : "NOT met"} (${(100 * fractionPerCpu).toFixed(1)}% per CPU-s; ${(100 * fraction).toFixed(1)}% of ${agora.threads} whole core${agora.threads > 1 ? "s" : ""} by wall clock)`,
      );
    } else {
      console.log(
        `    >= 20% of the limit of the cores used: ${fractionPerCpu >= 0.2 ? "met" : "NOT met"} (${(100 * fractionPerCpu).toFixed(1)}% per CPU-s; ${(100 * fraction).toFixed(1)}% by wall clock)`,
      );
    }
  }
}
