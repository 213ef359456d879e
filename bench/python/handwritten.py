"""Hand-written NumPy versions of examples/iterated_pd.game and examples/public_goods.game:
what a researcher would write by hand instead of compiling the scenario, the baselines
`npm run bench -- python` measures the generated env.py against.

They compute exactly what the scenarios ask (payoffs, metrics, totals, horizons, auto-reset,
observations and masks; public goods with its params at their defaults), and
`bench.py --check` (run by test/python-backend.test.ts) checks them step for step against
the generated modules, so the comparison is fair. Like the generated Env, step() takes one
(E, count) int array per role, plays masked-out actions as the no-op, and returns fresh
arrays in the same layout.
"""
import numpy as np

F32 = np.float32


class Result(object):
    __slots__ = ("roles", "done", "metrics", "phase", "rules")

    def __init__(self, roles, done, metrics, phase, rules):
        self.roles, self.done, self.metrics, self.phase, self.rules = roles, done, metrics, phase, rules


class Role(object):
    __slots__ = ("obs", "mask", "reward", "objective")

    def __init__(self, obs, mask, reward, objective):
        self.obs, self.mask, self.reward, self.objective = obs, mask, reward, objective


class IteratedPD(object):
    """Two players, cooperate (0) or defect (1), 50 rounds; observes its own last action
    (one-hot) and whether the other defected last round."""

    HORIZON = 50
    PAYOFF = np.array([[3, 0], [5, 1]], F32)  # [own action, other's action]

    def __init__(self, num_envs):
        self.E = num_envs
        self.mask = np.ones((num_envs, 2, 2), np.uint8)

    def reset(self):
        E = self.E
        self.round = np.zeros(E, np.int32)
        self.last = np.full((E, 2), -1, np.int32)
        self.total = np.zeros((E, 2), F32)
        zero = np.zeros((E, 2), F32)
        return Result([Role(self.observe(), self.mask, zero, zero)], np.zeros(E, bool), np.zeros((E, 1), F32), np.zeros(E, np.int32), np.zeros((E, 0), np.uint8))

    def observe(self):
        obs = np.empty((self.E, 2, 3), F32)
        obs[:, :, 0] = self.last == 0
        obs[:, :, 1] = self.last == 1
        obs[:, :, 2] = self.last[:, ::-1] == 1
        return obs

    def step(self, actions):
        a = np.asarray(actions[0]).reshape(self.E, 2)
        a = np.where((a == 0) | (a == 1), a, -1)
        played = (a >= 0).all(axis=1)
        own, other = np.maximum(a[:, 0], 0), np.maximum(a[:, 1], 0)
        reward = np.zeros((self.E, 2), F32)
        reward[:, 0] = np.where(played, self.PAYOFF[own, other], 0)
        reward[:, 1] = np.where(played, self.PAYOFF[other, own], 0)
        metrics = ((a == 0).sum(axis=1).astype(F32) / F32(2)).reshape(self.E, 1)
        self.total += reward
        done = self.round >= self.HORIZON - 1
        go_on = ~done
        self.last = np.where(go_on[:, None] & (a >= 0), a, self.last)
        self.round = np.where(go_on, self.round + 1, 0)
        if done.any():
            self.last[done] = -1
            self.total[done] = 0
        return Result([Role(self.observe(), self.mask, reward, reward)], done, metrics, np.zeros(self.E, np.int32), np.zeros((self.E, 0), np.uint8))


class PublicGoods(object):
    """Four citizens, 40 rounds: contribute(0..10) to a pot multiplied by 1.6 and shared,
    punish(t) another citizen (a fine of 3, at a cost of 1) once sanctions are in force, or
    vote for sanctions (enacted when more than half vote). Observes the round, its total,
    the mean total and whether sanctions are in force."""

    N = 4
    HORIZON = 40
    MULTIPLIER = F32(1.6)
    FINE = F32(3)
    PUNISH, VOTE, ACTIONS = 11, 15, 16

    def __init__(self, num_envs):
        self.E = num_envs
        # punish(t) is legal for citizen i when sanctions are in force and t != i.
        self.not_self = ~np.eye(self.N, dtype=bool)

    def reset(self):
        E = self.E
        self.round = np.zeros(E, np.int32)
        self.total = np.zeros((E, self.N), F32)
        self.sanctions = np.zeros(E, bool)
        zero = np.zeros((E, self.N), F32)
        obs, mask = self.observe()
        self.last_mask = mask
        return Result([Role(obs, mask, zero, zero)], np.zeros(E, bool), np.zeros((E, 1), F32), np.zeros(E, np.int32), np.zeros((E, 1), np.uint8))

    def observe(self):
        E, N = self.E, self.N
        obs = np.empty((E, N, 4), F32)
        obs[:, :, 0] = self.round[:, None]
        obs[:, :, 1] = self.total
        obs[:, :, 2] = (self.total.sum(axis=1) / F32(N))[:, None]
        obs[:, :, 3] = self.sanctions[:, None]
        mask = np.ones((E, N, self.ACTIONS), np.uint8)
        mask[:, :, self.PUNISH:self.VOTE] = self.sanctions[:, None, None] & self.not_self
        return obs, mask

    def step(self, actions):
        E, N = self.E, self.N
        a = np.asarray(actions[0]).reshape(E, N)
        legal = (a >= 0) & (a < self.ACTIONS)
        legal &= np.take_along_axis(self.last_mask, np.clip(a, 0, self.ACTIONS - 1)[..., None], 2)[..., 0] == 1
        a = np.where(legal, a, -1)
        contributes = (a >= 0) & (a < self.PUNISH)
        punishes = (a >= self.PUNISH) & (a < self.VOTE)
        amount = np.where(contributes, a, 0)
        reward = -amount.astype(F32) - punishes
        targets = np.where(punishes, a - self.PUNISH, N)
        fines = (targets[:, :, None] == np.arange(N)).sum(axis=1)
        reward -= self.FINE * fines.astype(F32)
        share = amount.sum(axis=1).astype(F32) * self.MULTIPLIER / F32(N)
        reward += share[:, None]
        self.sanctions |= (a == self.VOTE).sum(axis=1) > N / 2
        rules = self.sanctions[:, None].astype(np.uint8)
        metrics = (punishes.sum(axis=1).astype(F32) / F32(N)).reshape(E, 1)
        self.total += reward
        done = self.round >= self.HORIZON - 1
        self.round = np.where(done, 0, self.round + 1)
        if done.any():
            self.total[done] = 0
            self.sanctions[done] = False
        obs, mask = self.observe()
        self.last_mask = mask
        return Result([Role(obs, mask, reward, reward)], done, metrics, np.zeros(E, np.int32), rules)
