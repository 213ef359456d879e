/**
 * The host side of a tensor environment: the driver that generated tensor modules embed
 * (through `tensorRuntime.toString()`), so a module and the in-process env run the very
 * same text.
 *
 * It must stay self-contained: no references to anything outside its parameters (test
 * runners rewrite imported names inside function bodies). Everything it needs arrives as
 * arguments: the TensorFlow.js module, the game's SPEC (static metadata), the schema, the
 * generated `kernel` factory and the scalar ops of `scalar-ops.ts`.
 *
 * Division of labour:
 *   - The host keeps, per copy, the episode, round, phase and horizon (Int32Arrays) and
 *     the values of the params that vary per episode. They decide which specialised kernel
 *     function runs (all copies in one phase, or mixed), when copies restart, and they key
 *     the random draws.
 *   - Random draws are the counter hash of `scalar-ops.ts`, evaluated here on the CPU with
 *     the very functions the interpreter uses (`rbase`, `rmix`, `runit`, `rint`), for
 *     every (copy, key) a kernel function needs, and uploaded as one tensor per call site
 *     and key pattern before the function runs. Keys are static once loops are unrolled
 *     (loop variables, `self` of an unrolled agent) or an index along a vectorized axis
 *     (aggregate variables, `self` over a role): both are known here. tfjs has no 32-bit
 *     integer multiply or xor that is exact on every backend, so hashing on the device is
 *     not an option; the host hash costs a few nanoseconds per draw.
 *   - The host has the action masks (the result buffers, which the interpreter reads too),
 *     so it turns masked-out actions into the no-op (and throws in checked mode) while
 *     uploading the actions, keeps a bot's choice only where legal, and looks up payoff
 *     tables of constants.
 *   - Everything else (state, steps, observations, masks, bots) is tensors, in kernel
 *     functions generated for the scenario. Their outputs (features, mask entries,
 *     rewards, metrics) come back as separate tensors (one packed read on backends other
 *     than cpu and wasm, or with `packOutputs`) that the host writes into the result
 *     buffers' layout; outputs known to be constant need no tensor.
 *
 * One step is one `tf.tidy`: kernel A (actions, the phase's step, metrics, totals,
 * objectives, done), then, where copies finished, kernel B1 (new episode under the done
 * mask), kernel B2 (round advance: `last` actions), kernel B3 (scheduled rules,
 * observations, masks). Only games that can `end` read `done` back in the middle of a
 * step; otherwise the host knows it (the horizon). The state object that comes out is
 * kept; the tensors it replaced are disposed, so the number of live tensors stays flat.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function tensorRuntime(tf: any, SPEC: any, SCHEMA: any, kernel: any, sem: any, options: any): any {
  const { rmix, rbase, runit, rint, rreal } = sem;
  const E = options.numEnvs | 0;
  if (!(E > 0)) throw new Error("numEnvs must be a positive integer");
  const SEED = (options.seed ?? 0) | 0;
  const SAMPLE = options.sampleParams ?? true;
  const CHECKED = options.checked ?? false;
  const PARAMS: any[] = SPEC.params;
  const PINNED: (number | undefined)[] = PARAMS.map(() => undefined);
  for (const [name, value] of Object.entries(options.params ?? {})) {
    const index = PARAMS.findIndex((p) => p.name === name);
    if (index < 0)
      throw new Error(
        `unknown param \`${name}\`; the params are ${PARAMS.map((p) => `\`${p.name}\``).join(", ") || "none"}`,
      );
    if (!PARAMS[index].dynamic)
      throw new Error(
        `param \`${name}\` is fixed when the scenario is compiled; set it with \`--set ${name}=...\` when compiling`,
      );
    const t = PARAMS[index].t;
    const v = typeof value === "boolean" ? (value ? 1 : 0) : (value as number);
    PINNED[index] = t === "int" ? Math.trunc(v) : t === "real" ? Math.fround(v) : v ? 1 : 0;
  }

  const ROLES: any[] = SPEC.roles;
  const NP: number = SPEC.numPhases;
  const LAST = NP - 1;
  const DYN: any[] = SPEC.dynamic;
  const EP = new Int32Array(E);
  const RND = new Int32Array(E);
  const PH = new Int32Array(E);
  const HZ = new Int32Array(E);
  const PV = DYN.map((d) =>
    d.t === "real" ? new Float32Array(E) : d.t === "int" ? new Int32Array(E) : new Uint8Array(E),
  );
  const result = {
    roles: ROLES.map((r) => ({
      obs: new Float32Array(E * r.count * r.obsDim),
      mask: new Uint8Array(E * r.count * r.numActions),
      reward: new Float32Array(E * r.count),
      objective: new Float32Array(E * r.count),
    })),
    done: new Uint8Array(E),
    metrics: new Float32Array(E * SPEC.numMetrics),
    phase: new Int32Array(E),
    rules: new Uint8Array(E * SPEC.numRules),
  };

  // Int32 multiply. The cpu backend multiplies int32 tensors in doubles, which is exact
  // (and then wraps like Math.imul) only while the product stays below 2^53; splitting one
  // factor into 16-bit halves keeps every partial product exact. Other backends multiply
  // int32 natively.
  const backend = tf.getBackend();
  const I16 = tf.scalar(65536, "int32");
  const F16 = tf.scalar(1 / 65536, "float32");
  // Reductions over dim 0. The cpu backend transposes before reducing any dim but the last,
  // which costs more than adding the rows one by one; the other backends reduce natively.
  // Real sums always add the rows in index order (float32 rounding after each addition, as
  // the interpreter does); wasm and GPU backends do not promise an order for tf.sum.
  const CPU = backend === "cpu";
  const rows = (x: any, f: (a: any, b: any) => any) => {
    const r = tf.unstack(x, 0);
    let acc = r[0];
    for (let i = 1; i < r.length; i++) acc = f(acc, r[i]);
    return acc;
  };
  const H = {
    select: (c: any, a: any, b: any) => tf.engine().runKernel("Select", { condition: c, t: a, e: b }),
    sum: CPU ? (x: any) => rows(x, tf.add) : (x: any) => tf.sum(x, 0),
    fsum: (x: any) => {
      if (CPU || x.shape[0] <= 16) return rows(x, tf.add);
      const begin = x.shape.map((_: number, i: number) => (i === 0 ? x.shape[0] - 1 : 0));
      const size = x.shape.map((d: number, i: number) => (i === 0 ? 1 : d));
      return tf.reshape(tf.slice(tf.cumsum(x, 0), begin, size), x.shape.slice(1));
    },
    any: CPU ? (x: any) => rows(x, tf.logicalOr) : (x: any) => tf.any(x, 0),
    all: CPU ? (x: any) => rows(x, tf.logicalAnd) : (x: any) => tf.all(x, 0),
    min: CPU ? (x: any) => rows(x, tf.minimum) : (x: any) => tf.min(x, 0),
    max: CPU ? (x: any) => rows(x, tf.maximum) : (x: any) => tf.max(x, 0),
    imul:
      backend === "cpu"
        ? (a: any, b: any) =>
            tf.tidy(() => {
              const lo = tf.mod(b, I16);
              const hi = tf.cast(tf.mul(tf.cast(tf.sub(b, lo), "float32"), F16), "int32");
              return tf.add(tf.mul(a, lo), tf.mul(tf.mul(a, hi), I16));
            })
        : (a: any, b: any) => tf.mul(a, b),
  };
  const K = kernel(tf, E, H);
  let S: any = null;

  function startEpisode(e: number) {
    HZ[e] = rint(runit(rbase(SEED, e, EP[e], -1, 0, SPEC.horizonSite)), SPEC.horizon.lo, SPEC.horizon.hi);
    DYN.forEach((d, j) => {
      const pinned = PINNED[d.index];
      let v: number;
      if (pinned !== undefined) v = pinned;
      else if (d.range && SAMPLE) {
        const u = runit(rbase(SEED, e, EP[e], -1, 0, SPEC.paramSite + d.index));
        v = d.t === "int" ? rint(u, d.range.lo, d.range.hi) : rreal(u, d.range.lo, d.range.hi);
      } else v = d.value;
      PV[j][e] = v;
    });
  }

  /** The draws a kernel function needs, for round `rnd` and phase `ph` (arrays or one value for all copies). */
  function draws(name: string, rnd: Int32Array | number, ph: Int32Array | number): any[] {
    const spec: any[] = SPEC.draws[name];
    if (!spec || spec.length === 0) return [];
    return spec.map((q) => {
      const sizes: number[] = q.sizes;
      let n = 1;
      for (const s of sizes) n *= s;
      const out =
        q.kind === "u" ? new Float32Array(E * n) : q.kind === "bern" ? new Uint8Array(E * n) : new Int32Array(E * n);
      const index = new Int32Array(sizes.length);
      const keys: any[] = q.keys;
      for (let e = 0; e < E; e++) {
        // rbase itself (not a copy of its steps), so the draws follow scalar-ops.ts.
        const hs = rbase(
          SEED,
          e,
          EP[e],
          typeof rnd === "number" ? rnd : rnd[e],
          typeof ph === "number" ? ph : ph[e],
          q.site,
        );
        index.fill(0);
        for (let j = 0; j < n; j++) {
          let h = hs;
          for (const k of keys) h = rmix(h, typeof k === "number" ? k : k.lo + index[k.d]);
          const u = runit(h);
          out[j * E + e] = q.kind === "u" ? u : q.kind === "bern" ? (u < q.a ? 1 : 0) : rint(u, q.a, q.b);
          for (let d = sizes.length - 1; d >= 0; d--) {
            if (++index[d] < sizes[d]) break;
            index[d] = 0;
          }
        }
      }
      return tf.tensor(out, [...sizes, E], q.kind === "u" ? "float32" : q.kind === "bern" ? "bool" : "int32");
    });
  }

  /** The phase every copy is in, or -1 when they differ. */
  function samePhase(): number {
    const p = PH[0];
    for (let e = 1; e < E; e++) if (PH[e] !== p) return -1;
    return p;
  }

  function variant(prefix: string): string {
    if (NP === 1) return `${prefix}_0`;
    const p = samePhase();
    return p >= 0 ? `${prefix}_${p}` : `${prefix}_x`;
  }

  function counters(): any {
    return { RND: tf.tensor1d(RND.slice(), "int32"), PH: tf.tensor1d(PH.slice(), "int32") };
  }

  function uploadParams(s: any) {
    DYN.forEach((d, j) => {
      s[`P${d.index}`] = tf.tensor1d(PV[j].slice(), d.t === "real" ? "float32" : d.t === "int" ? "int32" : "bool");
    });
  }

  /**
   * Downloads the outputs of kernel calls: one read per tensor on the cpu and wasm backends
   * (where reading is a copy), one packed read elsewhere (a GPU sync per read is costly).
   */
  const PACK = options.packOutputs ?? !(backend === "cpu" || backend === "wasm");
  function download(tensors: any[]): ArrayLike<number>[] {
    if (!PACK || tensors.length <= 1) return tensors.map((t) => t.dataSync());
    const flat = tensors.map((t) => tf.reshape(t.dtype === "float32" ? t : tf.cast(t, "float32"), [-1]));
    const all = tf.concat(flat).dataSync();
    let at = 0;
    return tensors.map((t) => {
      const part = all.subarray(at, at + t.size);
      at += t.size;
      return part;
    });
  }

  /** Writes kernel outputs (see OutDesc in codegen.ts) into the result buffers. */
  function writeOutputs(calls: [string, any][]) {
    const descs: any[] = [];
    const tensors: any[] = [];
    for (const [name, o] of calls) {
      for (const d of SPEC.outs[name]) {
        descs.push(d);
        if (d.key !== undefined) tensors.push(o[d.key]);
      }
    }
    const data = download(tensors);
    let next = 0;
    for (const d of descs) {
      const x: any = d.key !== undefined ? data[next++] : null;
      const c = x === null ? d.value : 0;
      if (d.k === "obs") {
        const r = ROLES[d.role];
        const obs = result.roles[d.role].obs;
        for (let e = 0; e < E; e++) {
          for (let i = 0; i < r.count; i++) {
            const v = x === null ? c : x[d.rows ? i * E + e : e];
            const o = (e * r.count + i) * r.obsDim + d.offset;
            if (d.hot) for (let k = 0; k < d.width; k++) obs[o + k] = k === v ? 1 : 0;
            else obs[o] = v;
          }
        }
      } else if (d.k === "mask") {
        const r = ROLES[d.role];
        const mask = result.roles[d.role].mask;
        const A = r.numActions;
        for (let e = 0; e < E; e++) {
          for (let i = 0; i < r.count; i++) {
            const m = (e * r.count + i) * A + d.start;
            for (let k = 0; k < d.width; k++)
              mask[m + k] = x === null ? c : x[((d.cols ? k * (d.rows ? r.count : 1) : 0) + (d.rows ? i : 0)) * E + e];
          }
        }
      } else if (d.k === "rew" || d.k === "obj") {
        const n = ROLES[d.role].count;
        const out = d.k === "rew" ? result.roles[d.role].reward : result.roles[d.role].objective;
        for (let e = 0; e < E; e++) for (let i = 0; i < n; i++) out[e * n + i] = x[i * E + e];
      } else if (d.k === "metric" || d.k === "rule") {
        const out = d.k === "metric" ? result.metrics : result.rules;
        const n = d.k === "metric" ? SPEC.numMetrics : SPEC.numRules;
        for (let e = 0; e < E; e++) out[e * n + d.index] = x === null ? c : x[e];
      }
    }
    result.phase.set(PH);
  }

  /** Start of a phase for every copy: scheduled rules, observations and masks (kernel B3). */
  function beginPhase(s: any): [string, any] {
    const name = variant("B3");
    const x = counters();
    x.U = draws(name, RND, PH);
    const r = K.fns[name](s, x);
    Object.assign(s, r.S);
    return [name, r.O];
  }

  /** Disposes the tensors of `old` that `now` no longer holds. */
  function release(old: any, now: any) {
    if (!old) return;
    const keep = new Set(Object.values(now));
    for (const t of new Set(Object.values(old)) as Set<any>) if (!keep.has(t)) t.dispose();
  }

  function reset() {
    const old = S;
    EP.fill(0);
    RND.fill(0);
    PH.fill(0);
    for (let e = 0; e < E; e++) startEpisode(e);
    S = tf.tidy(() => {
      // A fresh copy: every value zero, actions none (as the interpreter's new copies).
      const s: any = {};
      for (const st of SPEC.state)
        s[st.key] =
          st.dtype === "bool" ? tf.zeros([...st.shape, E], "bool") : tf.fill([...st.shape, E], st.fill, st.dtype);
      uploadParams(s);
      Object.assign(s, K.fns.B1_all(s, { U: draws("B1_all", -1, 0) }).S);
      writeOutputs([beginPhase(s)]);
      return s;
    });
    release(old, S);
    result.done.fill(0);
    result.metrics.fill(0);
    result.rules.fill(0);
    for (const r of result.roles) {
      r.reward.fill(0);
      r.objective.fill(0);
    }
    return result;
  }

  function illegal(role: number, e: number, i: number, a: number): string {
    const r = SCHEMA.roles[role];
    const label = a >= 0 && a < r.numActions ? "`" + r.actionLabels[a] + "` (" + a + ")" : String(a);
    return (
      "copy " +
      e +
      ", " +
      r.name +
      " #" +
      i +
      ": action " +
      label +
      " is not available now (masked out); pass a legal action or -1 for no-op"
    );
  }

  /** Checked mode: the first masked-out action, in the interpreter's order, throws. */
  function check(actions: Int32Array[]) {
    for (let e = 0; e < E; e++) {
      ROLES.forEach((r, ri) => {
        const mask = result.roles[ri].mask;
        const A = r.numActions;
        for (let i = 0; i < r.count; i++) {
          const a = actions[ri][e * r.count + i];
          if (a < 0) continue;
          const m = (e * r.count + i) * A;
          let any = false;
          for (let f = 0; f < A; f++) {
            if (mask[m + f] === 1) {
              any = true;
              break;
            }
          }
          if (!any) continue;
          if (a >= A || mask[m + a] !== 1) throw new Error(illegal(ri, e, i, a));
        }
      });
    }
  }

  /**
   * The actions as played, `[count, E]`: a masked-out, out-of-range or negative action (and
   * any action of an agent with none legal) is the no-op -1. The host has the masks (the
   * result buffers, which is what the interpreter reads too).
   */
  function legalActions(ri: number, actions: Int32Array): Int32Array {
    const r = ROLES[ri];
    const A = r.numActions;
    const mask = result.roles[ri].mask;
    const out = new Int32Array(r.count * E);
    for (let e = 0; e < E; e++) {
      for (let i = 0; i < r.count; i++) {
        const a = actions[e * r.count + i];
        out[i * E + e] = a >= 0 && a < A && mask[(e * r.count + i) * A + a] === 1 ? a : -1;
      }
    }
    return out;
  }

  /**
   * A payoff table of constants: each agent's gain for its copy's joint action, `[E]` per
   * agent (nothing where an agent took the no-op), looked up here rather than gathered on
   * the device.
   */
  function payoffGains(played: Int32Array[]): any[] {
    const { agents, sizes, tables } = SPEC.payoff;
    const joint = new Int32Array(E);
    const valid = new Uint8Array(E).fill(1);
    agents.forEach(([role, index]: [number, number], p: number) => {
      const a = played[role];
      for (let e = 0; e < E; e++) {
        const v = a[index * E + e];
        if (v < 0) valid[e] = 0;
        joint[e] = joint[e] * sizes[p] + v;
      }
    });
    return tables.map((table: number[]) => {
      const gain = new Float32Array(E);
      for (let e = 0; e < E; e++) gain[e] = valid[e] ? table[joint[e]] : 0;
      return tf.tensor1d(gain, "float32");
    });
  }

  function step(actions: Int32Array[]) {
    if (!S) throw new Error("call reset() before step()");
    ROLES.forEach((r, i) => {
      const a = actions[i];
      if (!a || a.length < E * r.count)
        throw new Error(`actions[${i}] (${r.name}) must hold ${E * r.count} action indices`);
    });
    if (CHECKED) check(actions);
    const aName = variant("A");
    // Copies whose horizon runs out with this step.
    const timeUp = new Uint8Array(E);
    for (let e = 0; e < E; e++) timeUp[e] = PH[e] === LAST && RND[e] >= HZ[e] - 1 ? 1 : 0;
    const old = S;
    S = tf.tidy(() => {
      const x = counters();
      x.TU = tf.tensor1d(timeUp, "bool");
      const played = ROLES.map((_, i) => legalActions(i, actions[i]));
      x.ACT = ROLES.map((r, i) => tf.tensor(played[i], [r.count, E], "int32"));
      if (SPEC.payoff) x.PAY = payoffGains(played);
      x.U = draws(aName, RND, PH);
      const ra = K.fns[aName](old, x);
      const s = Object.assign({}, old, ra.S);
      // Done: known here unless the game can `end` (or has `end when`); then read it back.
      let done: Uint8Array = timeUp;
      if (SPEC.canEnd) {
        const d = SPEC.outs[aName].find((o: any) => o.k === "done");
        done = Uint8Array.from(ra.O[d.key].dataSync());
      }
      const advance = new Uint8Array(E);
      let numDone = 0;
      let numAdvance = 0;
      for (let e = 0; e < E; e++) {
        if (done[e]) {
          EP[e]++;
          RND[e] = 0;
          PH[e] = 0;
          startEpisode(e);
          numDone++;
        } else if (PH[e] === LAST) {
          PH[e] = 0;
          RND[e]++;
          advance[e] = 1;
          numAdvance++;
        } else PH[e]++;
      }
      if (numDone > 0) {
        uploadParams(s);
        const name = numDone === E ? "B1_all" : "B1_some";
        Object.assign(s, K.fns[name](s, { D: tf.tensor1d(done, "bool"), U: draws(name, -1, 0) }).S);
      }
      if (numAdvance > 0) {
        const name = numAdvance === E ? "B2_all" : "B2_some";
        Object.assign(s, K.fns[name](s, { ADV: tf.tensor1d(advance, "bool") }).S);
      }
      writeOutputs([[aName, ra.O], beginPhase(s)]);
      result.done.set(done);
      return s;
    });
    release(old, S);
    return result;
  }

  function botActions(name: string, out: Int32Array) {
    const b = SPEC.bots.findIndex((x: any) => x.name === name);
    if (b < 0)
      throw new Error(
        `unknown bot \`${name}\`; the bots are ${SPEC.bots.map((x: any) => `\`${x.name}\``).join(", ") || "none"}`,
      );
    if (!S) throw new Error("call reset() before botActions()");
    const fname = variant(`bot${b}`);
    const r = ROLES[SPEC.bots[b].role];
    const A = r.numActions;
    const mask = result.roles[SPEC.bots[b].role].mask;
    tf.tidy(() => {
      const x = counters();
      x.U = draws(fname, RND, PH);
      const o = K.fns[fname](S, x).O;
      const d = SPEC.outs[fname][0];
      const played: any = d.key !== undefined ? download([o[d.key]])[0] : null;
      // A bot that plays nothing, or a masked-out action, plays the no-op.
      for (let e = 0; e < E; e++) {
        for (let i = 0; i < r.count; i++) {
          const a = played === null ? d.value : played[d.rows ? i * E + e : e];
          out[e * r.count + i] = a >= 0 && a < A && mask[(e * r.count + i) * A + a] === 1 ? a : -1;
        }
      }
    });
  }

  /** Frees every tensor this environment holds; it cannot be used afterwards. */
  function dispose() {
    if (S) for (const t of new Set(Object.values(S)) as Set<any>) t.dispose();
    S = null;
    for (const t of K.pool) t.dispose();
    I16.dispose();
    F16.dispose();
  }

  return {
    schema: SCHEMA,
    numEnvs: E,
    reset,
    step,
    botActions,
    dispose,
    /** The state tensors (read-only; replaced by every step). */
    get state() {
      return S;
    },
    /** The tfjs backend this environment was created on. */
    backend,
  };
}
