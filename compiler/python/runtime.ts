/**
 * The fixed Python text of every generated env.py: the scalar semantics as NumPy helpers
 * (the counterparts of language/semantic/scalar-ops.ts), and the user-facing API around the generated
 * kernel: the vectorised `Env` and the single-copy PettingZoo `ParallelEnv`.
 *
 * Nothing from a scenario appears here: the generated part reads names and labels from
 * `SCHEMA`, which env.py defines from an escaped string literal.
 */

/** NumPy versions of scalar-ops.ts. Inputs are NumPy arrays (or Python numbers where noted). */
export const PY_HELPERS = String.raw`
_F32 = np.float32
_I32 = np.int32
_U32 = np.uint32
_U8 = np.uint8
_BOOL = np.bool_
_NAN = float("nan")
_INF = float("inf")
_M_MIX = _U32(0x85EBCA6B)
_M_UNIT1 = _U32(0x7FEB352D)
_M_UNIT2 = _U32(0x846CA68B)
_SH8, _SH13, _SH15, _SH16 = _U32(8), _U32(13), _U32(15), _U32(16)
_UNIT_SCALE = _F32(1.0 / 16777216.0)


def _mix(h, x):
    """One round of the counter hash (rmix), in uint32 arithmetic."""
    h = (h ^ np.asarray(x).astype(_U32)) * _M_MIX
    return h ^ (h >> _SH13)


def _unit(h):
    """A uniform draw in [0, 1) with 24 bits, as float32 (runit)."""
    h = (h ^ (h >> _SH16)) * _M_UNIT1
    h = (h ^ (h >> _SH15)) * _M_UNIT2
    h = h ^ (h >> _SH16)
    return (h >> _SH8).astype(_F32) * _UNIT_SCALE


def _rint(u, lo, hi):
    """A uniform int in lo..hi from a unit draw, with the float32 rounding of rint."""
    lo = np.asarray(lo, np.int64)
    n = np.asarray(hi, np.int64) - lo + 1
    k = np.floor((u.astype(np.float64) * n).astype(_F32))
    k = np.minimum(k, n - 1)
    return np.where(n <= 1, lo, lo + k.astype(np.int64)).astype(_I32)


def _rreal(u, lo, hi):
    """A uniform real in lo..hi from a unit draw, in float32 steps (rreal)."""
    return _F32(lo) + u * (_F32(hi) - _F32(lo))


def _imul(a, b):
    """int32 multiplication that wraps (Math.imul)."""
    return np.multiply(a, b, dtype=np.int64).astype(_I32)


def _imod(a, b):
    """Floored int modulo; x % 0 is 0."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    zero = b == 0
    return np.where(zero, 0, np.mod(a, np.where(zero, 1, b))).astype(_I32)


def _rmod(a, b):
    """Floored real modulo computed as rmod does (in float64, then rounded); x % 0 is 0."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    zero = b == 0
    b = np.where(zero, 1.0, b)
    r = np.fmod(a, b)
    r = np.where((r != 0) & ((r < 0) != (b < 0)), np.fmod(r + b, b), r)
    return np.where(zero, 0.0, r).astype(_F32)


def _rdiv(a, b):
    """Real division; x / 0 is 0."""
    zero = b == 0
    return np.where(zero, _F32(0), a / np.where(zero, _F32(1), b))


def _rexp(x):
    return np.exp(np.asarray(x, np.float64)).astype(_F32)


def _rlog(x):
    x = np.asarray(x, np.float64)
    ok = x > 0
    return np.where(ok, np.log(np.where(ok, x, 1.0)), 0.0).astype(_F32)


def _rsqrt(x):
    x = np.asarray(x, np.float64)
    ok = x >= 0
    return np.where(ok, np.sqrt(np.where(ok, x, 0.0)), 0.0).astype(_F32)


def _wrap32(f):
    """Finite float64 integers to int32 with JavaScript's ToInt32 wraparound; NaN and infinities give 0."""
    f = np.where(np.isfinite(f), f, 0.0)
    return np.fmod(f, 4294967296.0).astype(np.int64).astype(_I32)


def _floor(x):
    """floor(x) as an int (Math.floor(x) | 0)."""
    return _wrap32(np.floor(np.asarray(x, np.float64)))


def _toi32(x):
    """A real stored as an int (x | 0: truncation, then wraparound)."""
    return _wrap32(np.trunc(np.asarray(x, np.float64)))


def _row_count(x, E, n):
    """How many of each copy's n bools are true, (E, 1) int32: column by column while n is small
    (NumPy's sum along a short axis costs far more)."""
    x = np.broadcast_to(x, (E, n))
    if n > 8:
        return x.sum(axis=1, keepdims=True, dtype=_I32)
    total = x[:, 0:1].astype(_I32)
    for k in range(1, n):
        total += x[:, k:k + 1]
    return total


def _row_any(x, E, n):
    """Whether any of each copy's n bools is true, (E, 1) (column by column while n is small)."""
    x = np.broadcast_to(x, (E, n))
    if n > 8:
        return x.any(axis=1, keepdims=True)
    result = x[:, 0:1].copy()
    for k in range(1, n):
        result |= x[:, k:k + 1]
    return result


def _row_all(x, E, n):
    """Whether all of each copy's n bools are true, (E, 1) (column by column while n is small)."""
    x = np.broadcast_to(x, (E, n))
    if n > 8:
        return x.all(axis=1, keepdims=True)
    result = x[:, 0:1].copy()
    for k in range(1, n):
        result &= x[:, k:k + 1]
    return result


_ONEHOT_COLUMNS = {}


def _onehot(v, width):
    columns = _ONEHOT_COLUMNS.get(width)
    if columns is None:
        columns = _ONEHOT_COLUMNS[width] = np.arange(width)
    return np.asarray(v)[..., None] == columns
`;

/** The API: `Env` (all copies), `ParallelEnv` (one copy, PettingZoo), and the spaces. */
export const PY_API = String.raw`
ROLES = SCHEMA["roles"]


class RoleResult(object):
    """One role's arrays: obs (E, count, obsDim) float32, mask (E, count, numActions) uint8,
    reward and objective (E, count) float32."""

    __slots__ = ("obs", "mask", "reward", "objective")

    def __init__(self, obs, mask, reward, objective):
        self.obs, self.mask, self.reward, self.objective = obs, mask, reward, objective


class StepResult(object):
    """What reset() and step() return: one RoleResult per role (in schema order), and
    done (E,) bool, metrics (E, numMetrics) float32, phase (E,) int32, rules (E, numRules) uint8."""

    __slots__ = ("roles", "done", "metrics", "phase", "rules")

    def __init__(self, roles, done, metrics, phase, rules):
        self.roles = [RoleResult(*r) for r in roles]
        self.done, self.metrics, self.phase, self.rules = done, metrics, phase, rules

    def role(self, name):
        """The RoleResult of the role called name."""
        return self.roles[_role_index(name)]


def _role_index(name):
    for r, role in enumerate(ROLES):
        if role["name"] == name:
            return r
    raise KeyError("unknown role %r; the roles are %s" % (name, ", ".join(repr(x["name"]) for x in ROLES)))


def _as_int32(value):
    """JavaScript's Math.trunc, then int32 wraparound, for a pinned int param."""
    return _I32(np.int64(int(value) % 4294967296).astype(np.uint32).astype(_I32))


def _pinned(kind, value):
    if kind == "int":
        return _as_int32(value)
    if kind == "real":
        return _F32(value)
    return _BOOL(bool(value))


def _illegal(r, e, i, a):
    role = ROLES[r]
    label = "\x60%s\x60 (%d)" % (role["actionLabels"][a], a) if 0 <= a < role["numActions"] else str(a)
    return "copy %d, %s #%d: action %s is not available now (masked out); pass a legal action or -1 for no-op" % (e, role["name"], i, label)


class Env(object):
    """num_envs copies of the game, stepped together with NumPy (the JavaScript VecEnv's API).

    Same scenario, params and seed give the same trajectories as every other Agora backend.
    """

    schema = SCHEMA

    def __init__(self, num_envs, seed=0, params=None, sample_params=True, checked=False):
        E = int(num_envs)
        if E <= 0:
            raise ValueError("num_envs must be a positive integer")
        self.num_envs = E
        self.seed = int(seed)
        self.checked = bool(checked)
        pin = [None] * len(SCHEMA["params"])
        for name, value in (params or {}).items():
            index = next((k for k, p in enumerate(SCHEMA["params"]) if p["name"] == name), -1)
            if index < 0:
                raise ValueError("unknown param \x60%s\x60; the params are %s" % (name, ", ".join("\x60%s\x60" % p["name"] for p in SCHEMA["params"]) or "none"))
            p = SCHEMA["params"][index]
            if not p["variesPerEpisode"]:
                raise ValueError("param \x60%s\x60 is fixed when the scenario is compiled; set it with \x60--set %s=...\x60 when compiling" % (name, name))
            pin[index] = _pinned(p["type"], value)
        self._reset, self._advance, self._masks, self._bots, self._next, self._fixed, self._state = _kernel(E, _U32(self.seed % 4294967296), bool(sample_params), pin)
        # Where agent (e, i)'s mask row starts in each role's flattened (E, count, numActions) mask.
        self._mask_base = [(np.arange(E * role["count"], dtype=np.intp) * role["numActions"]).reshape(E, role["count"]) for role in ROLES]

    def reset(self):
        """Starts every copy at episode 0; returns the first observations and masks."""
        with np.errstate(all="ignore"):
            return StepResult(*self._reset())

    def next_episode(self):
        """Moves every copy on to its next episode (as if each had just ended)."""
        with np.errstate(all="ignore"):
            return StepResult(*self._next())

    def step(self, actions):
        """Advances every copy by one step (one phase of one round).

        actions: one int array per role (a list in schema order, or a dict by role name), of
        shape (num_envs, count) or (num_envs * count,); -1 is the no-op. A masked-out action is
        the no-op too (or a ValueError with checked=True). Finished copies reset themselves.
        """
        if isinstance(actions, dict):
            actions = [actions[role["name"]] for role in ROLES]
        if len(actions) != len(ROLES):
            raise ValueError("step() needs one action array per role (%d)" % len(ROLES))
        E = self.num_envs
        masks = self._masks()
        chosen = []
        for r, role in enumerate(ROLES):
            n, na = role["count"], role["numActions"]
            a = np.asarray(actions[r])
            if a.dtype.kind not in "iu":
                a = a.astype(np.int64)
            if a.size != E * n:
                raise ValueError("actions[%d] (%s) must hold %d action indices" % (r, role["name"], E * n))
            a = a.reshape(E, n)
            m = masks[r]
            if na == 0:
                chosen.append(np.full((E, n), -1, _I32))
                continue
            if self._fixed[r] == 2:
                # The role's mask never changes: every action is legal (every copy has some).
                ok = (a >= 0) & (a < na)
                if self.checked and (a >= na).any():
                    e, i = np.argwhere(a >= na)[0]
                    raise ValueError(_illegal(r, int(e), int(i), int(a[e, i])))
                chosen.append(np.where(ok, a, -1).astype(_I32, copy=False))
                continue
            # (An agent without a legal action takes the no-op; with an action always legal, none is without.)
            # m[e, i, a[e, i]] through the flat mask (cheaper per step than take_along_axis and np.clip).
            in_range = (a >= 0) & (a < na)
            flat = self._mask_base[r] + np.where(in_range, a, 0)
            legal = in_range & (np.ascontiguousarray(m).reshape(-1)[flat] == 1)
            if self._fixed[r] == 0:
                legal &= m.any(axis=2)
            if self.checked:
                bad = (a >= 0) & ~legal & m.any(axis=2)
                if bad.any():
                    e, i = np.argwhere(bad)[0]
                    raise ValueError(_illegal(r, int(e), int(i), int(a[e, i])))
            chosen.append(np.where(legal, a, -1).astype(_I32, copy=False))
        with np.errstate(all="ignore"):
            return StepResult(*self._advance(chosen))

    def bot_actions(self, name):
        """The scenario's bot's choices for every agent of its role now, (num_envs, count) int32 (-1: none)."""
        index = next((k for k, b in enumerate(SCHEMA["bots"]) if b["name"] == name), -1)
        if index < 0:
            raise ValueError("unknown bot \x60%s\x60; the bots are %s" % (name, ", ".join("\x60%s\x60" % b["name"] for b in SCHEMA["bots"]) or "none"))
        r = _role_index(SCHEMA["bots"][index]["role"])
        na = ROLES[r]["numActions"]
        with np.errstate(all="ignore"):
            a = self._bots[index]()
        m = self._masks()[r]
        ok = (a >= 0) & (a < na) & (np.take_along_axis(m, np.clip(a, 0, max(na - 1, 0))[..., None], 2)[..., 0] == 1)
        return np.where(ok, a, -1).astype(_I32)


# ---- PettingZoo ---------------------------------------------------------------------------------
# With pettingzoo and gymnasium installed, ParallelEnv subclasses pettingzoo.ParallelEnv and
# uses gymnasium.spaces; without them, minimal stand-ins with the same methods are used.

try:
    from gymnasium import spaces as _spaces

    _Box, _Discrete, _Dict = _spaces.Box, _spaces.Discrete, _spaces.Dict
except Exception:  # gymnasium is optional
    _spaces = None

    class _Space(object):
        def __init__(self, shape, dtype):
            self.shape, self.dtype = shape, np.dtype(dtype) if dtype is not None else None
            self.np_random = np.random.default_rng()

        def seed(self, seed=None):
            self.np_random = np.random.default_rng(seed)
            return [seed]

        def __contains__(self, x):
            return self.contains(x)

    class _Box(_Space):
        def __init__(self, low, high, shape, dtype):
            _Space.__init__(self, tuple(shape), dtype)
            self.low = np.full(shape, low, dtype=np.float64 if self.dtype.kind == "f" else np.int64)
            self.high = np.full(shape, high, dtype=np.float64 if self.dtype.kind == "f" else np.int64)

        def contains(self, x):
            x = np.asarray(x)
            return x.shape == self.shape and np.can_cast(x.dtype, self.dtype) and bool(np.all(x >= self.low) and np.all(x <= self.high))

        def sample(self):
            if self.dtype.kind == "f":
                return self.np_random.standard_normal(self.shape).astype(self.dtype)
            return self.np_random.integers(self.low, self.high + 1, self.shape).astype(self.dtype)

    class _Discrete(_Space):
        def __init__(self, n):
            _Space.__init__(self, (), np.int64)
            self.n = int(n)
            self.start = 0

        def contains(self, x):
            try:
                v = int(x)
            except (TypeError, ValueError):
                return False
            return v == x and 0 <= v < self.n

        def sample(self, mask=None):
            if mask is not None:
                legal = np.flatnonzero(np.asarray(mask))
                return np.int64(self.np_random.choice(legal)) if legal.size else np.int64(0)
            return np.int64(self.np_random.integers(self.n))

    class _Dict(_Space):
        def __init__(self, spaces):
            _Space.__init__(self, None, None)
            self.spaces = dict(spaces)

        def __getitem__(self, key):
            return self.spaces[key]

        def keys(self):
            return self.spaces.keys()

        def contains(self, x):
            return isinstance(x, dict) and set(x) == set(self.spaces) and all(s.contains(x[k]) for k, s in self.spaces.items())

        def sample(self):
            return {k: s.sample() for k, s in self.spaces.items()}

        def seed(self, seed=None):
            for k, s in self.spaces.items():
                s.seed(seed)
            return [seed]

try:
    from pettingzoo import ParallelEnv as _ParallelBase
except Exception:  # pettingzoo is optional
    _ParallelBase = object


class ParallelEnv(_ParallelBase):
    """One copy of the game with PettingZoo's parallel API.

    Agents are named "<role>_<index>". Observations are dicts {"observation": float32 (obsDim,),
    "action_mask": int8 (numActions,)}, as PettingZoo recommends for action masking; infos
    carry the mask too, and the agent's payoff ("reward") when rewards are objectives.
    Rewards are each role's objective (its reward unless the scenario says otherwise). When
    the episode ends every agent terminates; reset() starts the next episode (a new seed
    restarts the sequence of episodes).
    """

    metadata = {"name": SCHEMA["name"], "render_modes": [], "is_parallelizable": True}

    def __init__(self, seed=0, params=None, sample_params=True, render_mode=None):
        self.render_mode = render_mode
        self._seed, self._params, self._sample = seed, params, sample_params
        self.possible_agents = ["%s_%d" % (role["name"], i) for role in ROLES for i in range(role["count"])]
        self._where = {}
        k = 0
        for r, role in enumerate(ROLES):
            for i in range(role["count"]):
                self._where[self.possible_agents[k]] = (r, i)
                k += 1
        self._observation_spaces = {}
        self._action_spaces = {}
        for agent, (r, i) in self._where.items():
            role = ROLES[r]
            self._observation_spaces[agent] = _Dict({
                "observation": _Box(-np.inf, np.inf, (role["obsDim"],), np.float32),
                "action_mask": _Box(0, 1, (role["numActions"],), np.int8),
            })
            self._action_spaces[agent] = _Discrete(role["numActions"])
        self.agents = []
        self._env = None
        self._last = None

    def observation_space(self, agent):
        return self._observation_spaces[agent]

    def action_space(self, agent):
        return self._action_spaces[agent]

    @property
    def num_agents(self):
        return len(self.agents)

    @property
    def max_num_agents(self):
        return len(self.possible_agents)

    def _observations(self, res):
        out = {}
        for agent in self.agents:
            r, i = self._where[agent]
            out[agent] = {"observation": res.roles[r].obs[0, i].copy(), "action_mask": res.roles[r].mask[0, i].astype(np.int8)}
        return out

    def _infos(self, res, rewarded):
        out = {}
        for agent in self.agents:
            r, i = self._where[agent]
            info = {"action_mask": res.roles[r].mask[0, i].astype(np.int8), "phase": SCHEMA["phases"][int(res.phase[0])]}
            if rewarded:
                info["reward"] = float(res.roles[r].reward[0, i])
                info["metrics"] = {name: float(res.metrics[0, k]) for k, name in enumerate(SCHEMA["metrics"])}
            out[agent] = info
        return out

    def reset(self, seed=None, options=None):
        if seed is not None or self._env is None:
            if seed is not None:
                self._seed = seed
                for agent in self.possible_agents:
                    self._action_spaces[agent].seed(None if seed is None else int(seed) + self.possible_agents.index(agent))
            self._env = Env(1, self._seed, params=self._params, sample_params=self._sample)
            res = self._env.reset()
        else:
            res = self._env.next_episode()
        self.agents = list(self.possible_agents)
        self._last = res
        return self._observations(res), self._infos(res, False)

    def step(self, actions):
        if not self.agents:
            raise RuntimeError("step() after the episode ended: call reset() first")
        chosen = [np.full((1, role["count"]), -1, np.int64) for role in ROLES]
        for agent, a in actions.items():
            if agent in self._where and a is not None:
                r, i = self._where[agent]
                chosen[r][0, i] = int(a)
        res = self._env.step(chosen)
        self._last = res
        observations = self._observations(res)
        rewards = {}
        for agent in self.agents:
            r, i = self._where[agent]
            rewards[agent] = float(res.roles[r].objective[0, i])
        done = bool(res.done[0])
        terminations = {agent: done for agent in self.agents}
        truncations = {agent: False for agent in self.agents}
        infos = self._infos(res, True)
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self):
        raise NotImplementedError("Agora environments have no global state observation")

    def render(self):
        return None

    def close(self):
        pass
`;
