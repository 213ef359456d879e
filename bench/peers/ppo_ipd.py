"""The peer Agora's trainer is measured against: a CleanRL-style single-file PPO in PyTorch
(https://github.com/vwxyzjn/cleanrl/blob/master/cleanrl/ppo.py) on the iterated prisoner's
dilemma of examples/iterated_pd.game, vectorised in numpy.

Same work as `agora train examples/iterated_pd.game` in bench/training.ts: E copies x 2
players sharing one policy (self-play, parameter sharing), observations (own last action
one-hot, whether the other defected last round), horizon 50 with auto-reset, separate actor
and critic MLPs 3-H-H-{2,1} with ReLU and CleanRL's orthogonal init, GAE (gamma 0.99,
lambda 0.95), 4 epochs x 4 minibatches, per-minibatch advantage normalisation, clipped
surrogate (0.2), value loss 0.5 * MSE weighted 0.5, entropy bonus 0.01, one Adam (eps 1e-5)
over both networks, global grad-norm clipping 0.5, linear lr annealing.

Prints one JSON line: agent-steps per wall second and per CPU second, the time split, and
the matmul GFLOP/s torch reaches here (so a slow BLAS shows). Usage:
  OMP_WAIT_POLICY=PASSIVE python3 ppo_ipd.py --envs 1024 --rollout 32 --updates 4 --threads 1
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

HORIZON = 50
PAY = np.array([[3, 0], [5, 1]], dtype=np.float32)  # PAY[mine, theirs]


class IteratedPD:
    """E copies of the 2-player iterated PD; agents are numbered copy * 2 + seat."""

    def __init__(self, envs):
        self.E = envs
        self.round = np.zeros(envs, dtype=np.int32)
        self.last = np.full((envs, 2), -1, dtype=np.int32)

    def observe(self):
        obs = np.zeros((self.E, 2, 3), dtype=np.float32)
        obs[:, :, 0] = self.last == 0
        obs[:, :, 1] = self.last == 1
        obs[:, :, 2] = self.last[:, ::-1] == 1
        return obs.reshape(self.E * 2, 3)

    def reset(self):
        self.round[:] = 0
        self.last[:] = -1
        return self.observe()

    def step(self, actions):
        a = actions.reshape(self.E, 2)
        reward = np.stack([PAY[a[:, 0], a[:, 1]], PAY[a[:, 1], a[:, 0]]], axis=1).reshape(-1)
        done = self.round >= HORIZON - 1
        self.round += 1
        self.last[:] = a
        self.round[done] = 0
        self.last[done] = -1
        return self.observe(), reward, np.repeat(done, 2).astype(np.float32)


def layer(i, o, gain):
    lin = nn.Linear(i, o)
    nn.init.orthogonal_(lin.weight, gain)
    nn.init.constant_(lin.bias, 0.0)
    return lin


class Agent(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.critic = nn.Sequential(layer(3, hidden, 2**0.5), nn.ReLU(), layer(hidden, hidden, 2**0.5), nn.ReLU(), layer(hidden, 1, 1.0))
        self.actor = nn.Sequential(layer(3, hidden, 2**0.5), nn.ReLU(), layer(hidden, hidden, 2**0.5), nn.ReLU(), layer(hidden, 2, 0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


def matmul_gflops(rows, width, seconds=0.3):
    """GFLOP/s of a [rows, width] x [width, width] product, the peer's main kernel."""
    a, b = torch.randn(rows, width), torch.randn(width, width)
    for _ in range(3):
        a @ b
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        n += 1
    return 2 * rows * width * width * n / (time.perf_counter() - t0) / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--envs", type=int, default=1024)
    p.add_argument("--rollout", type=int, default=32)
    p.add_argument("--updates", type=int, default=4)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    lr, gamma, lam, clip, ent_coef, vf_coef, max_grad_norm = 2.5e-3, 0.99, 0.95, 0.2, 0.01, 0.5, 0.5

    env = IteratedPD(args.envs)
    N, T = args.envs * 2, args.rollout
    agent = Agent(args.hidden)
    optimizer = torch.optim.Adam(agent.parameters(), lr=lr, eps=1e-5)
    obs_buf = torch.zeros((T, N, 3))
    act_buf = torch.zeros((T, N), dtype=torch.long)
    logp_buf = torch.zeros((T, N))
    rew_buf = torch.zeros((T, N))
    done_buf = torch.zeros((T, N))
    val_buf = torch.zeros((T, N))
    next_obs = torch.from_numpy(env.reset())
    next_done = torch.zeros(N)
    split = {"env": 0.0, "inference": 0.0, "update": 0.0}
    measured = {"env": 0.0, "inference": 0.0, "update": 0.0}
    wall0 = cpu0 = 0.0
    for update in range(args.updates):
        if update == 1:  # the first update warms up; measure the rest
            measured = dict(split)
            wall0, cpu0 = time.perf_counter(), time.process_time()
        optimizer.param_groups[0]["lr"] = lr * (1.0 - update / args.updates)
        for t in range(T):
            t0 = time.perf_counter()
            obs_buf[t] = next_obs
            done_buf[t] = next_done
            with torch.no_grad():
                action, logp, _, value = agent.get_action_and_value(next_obs)
            val_buf[t] = value.flatten()
            act_buf[t] = action
            logp_buf[t] = logp
            t1 = time.perf_counter()
            o, r, d = env.step(action.numpy())
            rew_buf[t] = torch.from_numpy(r)
            next_obs, next_done = torch.from_numpy(o), torch.from_numpy(d)
            t2 = time.perf_counter()
            split["inference"] += t1 - t0
            split["env"] += t2 - t1
        t0 = time.perf_counter()
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            adv = torch.zeros_like(rew_buf)
            lastgaelam = 0
            for t in reversed(range(T)):
                if t == T - 1:
                    nonterminal, nextvalues = 1.0 - next_done, next_value
                else:
                    nonterminal, nextvalues = 1.0 - done_buf[t + 1], val_buf[t + 1]
                delta = rew_buf[t] + gamma * nextvalues * nonterminal - val_buf[t]
                adv[t] = lastgaelam = delta + gamma * lam * nonterminal * lastgaelam
            returns = adv + val_buf
        b_obs, b_logp, b_act = obs_buf.reshape(-1, 3), logp_buf.reshape(-1), act_buf.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), returns.reshape(-1)
        batch = T * N
        mb = batch // args.minibatches
        for _ in range(args.epochs):
            inds = rng.permutation(batch)
            for start in range(0, batch, mb):
                idx = torch.from_numpy(inds[start : start + mb])
                _, newlogp, entropy, newvalue = agent.get_action_and_value(b_obs[idx], b_act[idx])
                logratio = newlogp - b_logp[idx]
                ratio = logratio.exp()
                a = b_adv[idx]
                a = (a - a.mean()) / (a.std() + 1e-8)
                pg_loss = torch.max(-a * ratio, -a * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
                v_loss = 0.5 * ((newvalue.view(-1) - b_ret[idx]) ** 2).mean()
                loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
                optimizer.step()
        split["update"] += time.perf_counter() - t0
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    steps = (args.updates - 1) * T * N
    timed = {k: split[k] - measured[k] for k in split}
    print(
        json.dumps(
            {
                "threads": args.threads,
                "envs": args.envs,
                "hidden": args.hidden,
                "agentStepsPerSecond": steps / wall,
                "agentStepsPerCpuSecond": steps / max(cpu, 1e-9),
                "cpuSeconds": cpu,
                "wallSeconds": wall,
                "time": timed,
                "matmulGflops": matmul_gflops(batch // args.minibatches, args.hidden),
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
