import {
  HORIZON_SITE,
  PARAM_SITE_BASE,
  RESET_ROUND,
  type AssignOp,
  type BinaryOp,
  type Expr,
  type IRGame,
  type Scalar,
  type Stmt,
} from "./ir.js";
import { assertNever } from "./ir-walk.js";
import { imod, rbase, rdiv, rint, rlog, rmix, rmod, rreal, rsqrt, runit } from "../language/semantic/scalar-ops.js";
import {
  allocateResult,
  buildSchema,
  checkActionArrays,
  illegalActionMessage,
  resolveParamOptions,
  type EnvOptions,
  type Schema,
  type StepResult,
  type VecEnv,
} from "./vecenv.js";

/**
 * The reference interpreter: walks the IR one environment copy at a time, with plain
 * objects and no cleverness. It is the oracle the other backends are tested against.
 */

interface Agent {
  state: number[];
  reward: number;
  total: number;
  team: number;
  action: number;
  last: number;
  roundAction: number;
}

interface Copy {
  episode: number;
  round: number;
  phase: number;
  horizon: number;
  ended: boolean;
  /** Base values of params that vary (sampled per episode or pinned). */
  params: number[];
  rules: boolean[];
  globals: number[];
  agents: Agent[][];
}

/** A value of storage type `t` after arithmetic: ints wrap to 32 bits, reals round to float32. */
function store(t: Scalar, v: number): number {
  if (t === "real") return Math.fround(v);
  if (t === "int") return v | 0;
  return v ? 1 : 0;
}

/**
 * A binary operation on two values already converted to `operand`: the reference
 * semantics, which code generators also use to fold constants.
 */
export function binaryOp(op: BinaryOp, operand: Scalar, a: number, b: number): number {
  const int = operand === "int";
  switch (op) {
    case "and":
      return a !== 0 && b !== 0 ? 1 : 0;
    case "or":
      return a !== 0 || b !== 0 ? 1 : 0;
    case "add":
      return int ? (a + b) | 0 : Math.fround(a + b);
    case "sub":
      return int ? (a - b) | 0 : Math.fround(a - b);
    case "mul":
      return int ? Math.imul(a, b) : Math.fround(a * b);
    case "div":
      return rdiv(a, b);
    case "mod":
      return int ? imod(a, b) : rmod(a, b);
    case "eq":
      return a === b ? 1 : 0;
    case "ne":
      return a !== b ? 1 : 0;
    case "lt":
      return a < b ? 1 : 0;
    case "le":
      return a <= b ? 1 : 0;
    case "gt":
      return a > b ? 1 : 0;
    case "ge":
      return a >= b ? 1 : 0;
    default:
      return assertNever(op, "binary operator");
  }
}

function applyOp(op: AssignOp, t: Scalar, old: number, v: number): number {
  switch (op) {
    case "set":
      return store(t, v);
    case "add":
      return t === "int" ? (old + v) | 0 : Math.fround(old + v);
    case "sub":
      return t === "int" ? (old - v) | 0 : Math.fround(old - v);
    case "mul":
      return t === "int" ? Math.imul(old, v) : Math.fround(old * v);
    case "div":
      return rdiv(old, v);
  }
}

class Interpreter implements VecEnv {
  readonly schema: Schema;
  readonly numEnvs: number;
  private readonly seed: number;
  private readonly sampleParams: boolean;
  private readonly pinned: (number | undefined)[];
  private readonly checked: boolean;
  private readonly copies: Copy[] = [];
  private readonly result: StepResult;
  private readonly locals: number[];
  // The evaluation context: which copy, which agent is `self`, whether a bot has played.
  private env = 0;
  private copy!: Copy;
  private selfIndex = 0;
  private ended = false;
  private played: number | undefined;

  constructor(
    private readonly ir: IRGame,
    options: EnvOptions,
  ) {
    this.schema = buildSchema(ir);
    this.numEnvs = options.numEnvs;
    this.seed = (options.seed ?? 0) | 0;
    this.sampleParams = options.sampleParams ?? true;
    this.pinned = resolveParamOptions(ir, options);
    this.checked = options.checked ?? false;
    this.result = allocateResult(ir, this.numEnvs);
    this.locals = new Array(ir.numLocals).fill(0);
  }

  reset(): StepResult {
    this.copies.length = 0;
    for (let e = 0; e < this.numEnvs; e++) {
      this.copies.push(this.newCopy());
      this.startEpisode(e, 0);
    }
    this.result.done.fill(0);
    this.result.metrics.fill(0);
    this.result.rules?.fill(0);
    for (const r of this.result.roles) {
      r.reward.fill(0);
      r.objective.fill(0);
    }
    return this.result;
  }

  private newCopy(): Copy {
    return {
      episode: 0,
      round: 0,
      phase: 0,
      horizon: 1,
      ended: false,
      params: this.ir.params.map((p) => p.value),
      rules: this.ir.rules.map(() => false),
      globals: this.ir.globals.map(() => 0),
      agents: this.ir.roles.map((r) =>
        Array.from({ length: r.count }, () => ({
          state: r.state.map(() => 0),
          reward: 0,
          total: 0,
          team: 0,
          action: -1,
          last: -1,
          roundAction: -1,
        })),
      ),
    };
  }

  private draw(site: number, round: number): number {
    return runit(rbase(this.seed, this.env, this.copy.episode, round, 0, site));
  }

  private startEpisode(e: number, episode: number) {
    const ir = this.ir;
    const c = this.copies[e];
    this.env = e;
    this.copy = c;
    c.episode = episode;
    c.round = 0;
    c.phase = 0;
    c.ended = false;
    c.horizon = rint(this.draw(HORIZON_SITE, RESET_ROUND), ir.horizon.lo, ir.horizon.hi);
    ir.params.forEach((p, i) => {
      const pinned = this.pinned[i];
      if (pinned !== undefined) c.params[i] = pinned;
      else if (p.range && this.sampleParams) {
        const u = this.draw(PARAM_SITE_BASE + i, RESET_ROUND);
        c.params[i] = p.t === "int" ? rint(u, p.range.lo, p.range.hi) : rreal(u, p.range.lo, p.range.hi);
      } else c.params[i] = p.value;
    });
    c.rules = ir.rules.map((r) => r.startsActive);
    // Initial values are evaluated in round -1, so their draws differ from round 0's.
    c.round = RESET_ROUND;
    ir.globals.forEach((g, i) => (c.globals[i] = store(g.t, this.eval(g.init))));
    ir.roles.forEach((role, r) => {
      c.agents[r].forEach((agent, i) => {
        this.selfIndex = i;
        agent.team = role.teamInit ? this.eval(role.teamInit) : ir.teams.length > 0 ? i % ir.teams.length : 0;
        role.state.forEach((s, k) => (agent.state[k] = store(s.t, this.eval(s.init))));
        agent.reward = 0;
        agent.total = 0;
        agent.action = -1;
        agent.last = -1;
        agent.roundAction = -1;
      });
    });
    c.round = 0;
    this.beginPhase();
  }

  /** Start of a phase: scheduled rules are re-evaluated, then observations and masks are built. */
  private beginPhase() {
    const c = this.copy;
    this.ir.rules.forEach((r, i) => {
      if (r.activeWhen) c.rules[i] = this.eval(r.activeWhen) !== 0;
    });
    this.observe();
  }

  private observe() {
    const e = this.env;
    this.result.phase[e] = this.copy.phase;
    this.ir.roles.forEach((role, r) => {
      const buffers = this.result.roles[r];
      for (let i = 0; i < role.count; i++) {
        this.selfIndex = i;
        let o = (e * role.count + i) * role.obsDim;
        for (const item of role.observations) {
          const v = this.eval(item.expr);
          if (item.encoding === "oneHot") {
            for (let k = 0; k < item.width; k++) buffers.obs[o + k] = k === v ? 1 : 0;
          } else buffers.obs[o] = v;
          o += item.width;
        }
        const m = (e * role.count + i) * role.numActions;
        for (let f = 0; f < role.numActions; f++) buffers.mask[m + f] = this.legal(r, f) ? 1 : 0;
      }
    });
  }

  private legal(r: number, flat: number): boolean {
    const role = this.ir.roles[r];
    const action = role.actions[role.flatAction[flat]];
    if (action.phases.length > 0 && !action.phases.includes(this.copy.phase)) return false;
    if (!action.guard) return true;
    if (action.arg) this.locals[action.arg.slot] = role.flatArg[flat];
    return this.eval(action.guard) !== 0;
  }

  step(actions: Int32Array[]): StepResult {
    const ir = this.ir;
    checkActionArrays(ir, this.numEnvs, actions);
    for (let e = 0; e < this.numEnvs; e++) {
      const c = this.copies[e];
      this.env = e;
      this.copy = c;
      // Actions: an agent without a legal action takes the no-op.
      ir.roles.forEach((role, r) => {
        const mask = this.result.roles[r].mask;
        for (let i = 0; i < role.count; i++) {
          const m = (e * role.count + i) * role.numActions;
          let anyLegal = false;
          for (let f = 0; f < role.numActions; f++) anyLegal ||= mask[m + f] === 1;
          let a = actions[r][e * role.count + i];
          if (!anyLegal || a < 0) a = -1;
          else if (a >= role.numActions || mask[m + a] !== 1) {
            if (this.checked) throw new Error(illegalActionMessage(ir, r, e, i, a));
            a = -1;
          }
          const agent = c.agents[r][i];
          agent.action = a;
          if (a >= 0) agent.roundAction = a;
          agent.reward = 0;
        }
      });
      this.ended = false;
      this.exec(ir.steps[c.phase]);
      ir.metrics.forEach((m, k) => (this.result.metrics[e * ir.metrics.length + k] = this.eval(m.expr)));
      c.rules.forEach((active, k) => (this.result.rules![e * c.rules.length + k] = active ? 1 : 0));
      // Every total first, then the objectives (which may read any agent's total).
      for (const agents of c.agents) for (const agent of agents) agent.total = Math.fround(agent.total + agent.reward);
      ir.roles.forEach((role, r) => {
        const buffers = this.result.roles[r];
        for (let i = 0; i < role.count; i++) {
          this.selfIndex = i;
          buffers.reward[e * role.count + i] = c.agents[r][i].reward;
          buffers.objective[e * role.count + i] = role.objective ? this.eval(role.objective) : c.agents[r][i].reward;
        }
      });
      let done = this.ended || ir.endWhen.some((cond) => this.eval(cond) !== 0);
      const lastPhase = c.phase === ir.phases.length - 1;
      if (lastPhase && c.round >= c.horizon - 1) done = true;
      this.result.done[e] = done ? 1 : 0;
      if (done) {
        this.startEpisode(e, c.episode + 1);
        continue;
      }
      if (lastPhase) {
        c.phase = 0;
        c.round++;
        for (const agents of c.agents) {
          for (const agent of agents) {
            if (agent.roundAction >= 0) agent.last = agent.roundAction;
            agent.roundAction = -1;
          }
        }
      } else c.phase++;
      this.beginPhase();
    }
    return this.result;
  }

  botActions(botName: string, out: Int32Array): void {
    const ir = this.ir;
    const bot = ir.bots.find((b) => b.name === botName);
    if (!bot)
      throw new Error(
        `unknown bot \`${botName}\`; the bots are ${ir.bots.map((b) => `\`${b.name}\``).join(", ") || "none"}`,
      );
    const role = ir.roles[bot.role];
    const mask = this.result.roles[bot.role].mask;
    for (let e = 0; e < this.numEnvs; e++) {
      this.env = e;
      this.copy = this.copies[e];
      for (let i = 0; i < role.count; i++) {
        this.selfIndex = i;
        this.played = undefined;
        this.exec(bot.body);
        const a = this.played ?? -1;
        const legal = a >= 0 && a < role.numActions && mask[(e * role.count + i) * role.numActions + a] === 1;
        out[e * role.count + i] = legal ? a : -1;
      }
    }
    this.played = undefined;
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Runs statements; returns false once a bot has played (the first `play` ends the bot). */
  private exec(stmts: Stmt[]): boolean {
    for (const s of stmts) {
      if (!this.run(s)) return false;
    }
    return true;
  }

  private run(s: Stmt): boolean {
    const c = this.copy;
    switch (s.k) {
      case "setLocal":
        this.locals[s.slot] = applyOp(s.op, s.t, this.locals[s.slot], this.eval(s.value));
        return true;
      case "setGlobal":
        c.globals[s.index] = applyOp(s.op, s.t, c.globals[s.index], this.eval(s.value));
        return true;
      case "setAgent": {
        const agent = c.agents[s.role][this.eval(s.agent)];
        const value = this.eval(s.value);
        if (s.field.kind === "reward") agent.reward = applyOp(s.op, "real", agent.reward, value);
        else if (s.field.kind === "team") agent.team = applyOp(s.op, "int", agent.team, value);
        else agent.state[s.field.index] = applyOp(s.op, s.t, agent.state[s.field.index], value);
        return true;
      }
      case "if":
        return this.eval(s.c) !== 0 ? this.exec(s.then) : this.exec(s.else);
      case "for": {
        const n = s.domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[s.domain.role].count;
        for (let i = 0; i < n; i++) {
          this.locals[s.slot] = i;
          if (s.filter && this.eval(s.filter) === 0) continue;
          if (!this.exec(s.body)) return false;
        }
        return true;
      }
      case "enact":
        c.rules[s.rule] = s.active;
        return true;
      case "enactDyn": {
        const rule = this.eval(s.rule);
        if (rule >= 0 && rule < c.rules.length) c.rules[rule] = s.active;
        return true;
      }
      case "end":
        this.ended = true;
        return true;
      case "play":
        this.played = this.eval(s.value);
        return false;
      case "payoff": {
        let joint = 0;
        for (let p = 0; p < s.agents.length; p++) {
          const a = c.agents[s.agents[p].role][s.agents[p].index].action;
          if (a < 0) return true;
          joint = joint * s.sizes[p] + a;
        }
        const row = s.rows[joint];
        if (row) {
          s.agents.forEach((pos, p) => {
            const agent = c.agents[pos.role][pos.index];
            agent.reward = Math.fround(agent.reward + this.eval(row[p]));
          });
        }
        return true;
      }
      default:
        return assertNever(s, "statement");
    }
  }

  // ---- expressions ---------------------------------------------------------------------------

  private paramValue(index: number): number {
    const p = this.ir.params[index];
    for (const o of p.overrides) {
      if (this.copy.rules[o.rule]) return this.eval(o.value);
    }
    return this.copy.params[index];
  }

  eval(e: Expr): number {
    const c = this.copy;
    switch (e.k) {
      case "const":
        return e.v;
      case "param":
        return this.paramValue(e.param);
      case "global":
        return c.globals[e.index];
      case "local":
        return this.locals[e.slot];
      case "self":
        return this.selfIndex;
      case "agent": {
        const agent = c.agents[e.role][this.eval(e.agent)];
        switch (e.field.kind) {
          case "state":
            return agent.state[e.field.index];
          case "reward":
            return agent.reward;
          case "total":
            return agent.total;
          case "team":
            return agent.team;
          case "action":
            return agent.action;
          case "last":
            return agent.last;
        }
        break;
      }
      case "round":
        return c.round;
      case "phase":
        return c.phase;
      case "rule":
        return c.rules[e.rule] ? 1 : 0;
      case "ruleDyn":
        return c.rules[this.eval(e.rule)] ? 1 : 0;
      case "unary": {
        const x = this.eval(e.x);
        if (e.op === "not") return x === 0 ? 1 : 0;
        return e.t === "int" ? -x | 0 : Math.fround(-x);
      }
      case "binary":
        return this.binary(e);
      case "if":
        return this.eval(e.c) !== 0 ? this.eval(e.a) : this.eval(e.b);
      case "call": {
        const args = e.args.map((a) => this.eval(a));
        const round = (v: number) => store(e.t, v);
        switch (e.fn) {
          case "min":
            return round(Math.min(...args));
          case "max":
            return round(Math.max(...args));
          case "abs":
            return round(Math.abs(args[0]));
          case "floor":
            return Math.floor(args[0]) | 0;
          case "clamp":
            return round(Math.min(Math.max(args[0], args[1]), args[2]));
          case "exp":
            return Math.fround(Math.exp(args[0]));
          case "log":
            return rlog(args[0]);
          case "sqrt":
            return rsqrt(args[0]);
        }
        break;
      }
      case "random": {
        let h = rbase(this.seed, this.env, c.episode, c.round, c.phase, e.site);
        for (const key of e.keys) h = rmix(h, this.eval(key));
        const u = runit(h);
        if (e.fn === "random") return u;
        if (e.fn === "bernoulli") return u < this.eval(e.args[0]) ? 1 : 0;
        return rint(u, this.eval(e.args[0]), this.eval(e.args[1]));
      }
      case "aggregate":
        return this.aggregate(e);
      case "size": {
        const t = this.eval(e.team);
        let n = 0;
        for (const agents of c.agents) for (const agent of agents) if (agent.team === t) n++;
        return n;
      }
      case "actionIs": {
        const v = this.eval(e.value);
        return v >= 0 && this.ir.roles[e.role].flatAction[v] === e.action ? 1 : 0;
      }
      case "actionArg": {
        const v = this.eval(e.value);
        return v >= 0 ? this.ir.roles[e.role].flatArg[v] : 0;
      }
      case "actionIndex": {
        const v = this.eval(e.value);
        return v >= 0 ? this.ir.roles[e.role].flatAction[v] : -1;
      }
      case "actionFlat": {
        const action = this.ir.roles[e.role].actions[e.action];
        if (!e.arg || !action.arg) return action.flatStart;
        const k = this.eval(e.arg) - action.arg.lo;
        return k >= 0 && k < action.flatCount ? action.flatStart + k : -2;
      }
    }
    return assertNever(e, "expression");
  }

  private binary(e: Extract<Expr, { k: "binary" }>): number {
    // `and` and `or` short-circuit; both sides are pure, so this only saves work.
    if (e.op === "and") return this.eval(e.a) !== 0 && this.eval(e.b) !== 0 ? 1 : 0;
    if (e.op === "or") return this.eval(e.a) !== 0 || this.eval(e.b) !== 0 ? 1 : 0;
    return binaryOp(e.op, e.operand, this.eval(e.a), this.eval(e.b));
  }

  private aggregate(e: Extract<Expr, { k: "aggregate" }>): number {
    const n = e.domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[e.domain.role].count;
    let count = 0;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      this.locals[e.slot] = i;
      if (e.filter && this.eval(e.filter) === 0) continue;
      switch (e.fn) {
        case "count":
          count++;
          break;
        case "any":
          return 1;
        case "all":
          break;
        default: {
          const v = this.eval(e.body!);
          if (e.fn === "min") acc = count === 0 ? v : Math.min(acc, v);
          else if (e.fn === "max") acc = count === 0 ? v : Math.max(acc, v);
          else acc = e.t === "int" ? (acc + v) | 0 : Math.fround(acc + v);
          count++;
        }
      }
      if (e.fn === "all") count++;
    }
    switch (e.fn) {
      case "count":
        return count;
      case "any":
        return 0;
      case "all":
        return count === this.countAll(e) ? 1 : 0;
      case "mean":
        return count === 0 ? 0 : rdiv(acc, count);
      default:
        return acc;
    }
  }

  /** For `all`: how many elements there are (every one must pass the filter). */
  private countAll(e: Extract<Expr, { k: "aggregate" }>): number {
    return e.domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[e.domain.role].count;
  }
}

export function createInterpreter(ir: IRGame, options: EnvOptions): VecEnv {
  return new Interpreter(ir, options);
}
