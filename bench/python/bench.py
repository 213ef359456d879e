"""The speed of generated env.py modules beside hand-written NumPy versions of the same games
(handwritten.py), in one run, interleaved (see bench/python.ts: npm run bench -- python).

Usage: python3 bench.py IPD_ENV_PY PUBLIC_GOODS_ENV_PY [--envs E] [--seconds S] [--check]
--check only checks, step for step, that the hand-written versions compute exactly what the
generated modules compute (so that the comparison is fair), and exits 1 if not.
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import handwritten  # noqa: E402


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def arrays(res):
    out = []
    for r, role in enumerate(res.roles):
        out += [("obs", role.obs), ("mask", role.mask), ("reward", role.reward), ("objective", role.objective)]
    return out + [("done", res.done), ("metrics", res.metrics), ("phase", res.phase), ("rules", res.rules)]


def same(a, b):
    for (name, x), (_, y) in zip(arrays(a), arrays(b)):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or not np.array_equal(x.astype(np.float64), y.astype(np.float64)):
            return name
    return None


def random_legal(mask, rng):
    """A random legal action per agent from an (E, count, numActions) mask, -1 where none."""
    scores = rng.random(mask.shape) * mask
    return np.where(mask.any(axis=2), scores.argmax(axis=2), -1)


def check(pairs, steps=300, envs=16):
    ok = True
    for name, generated, hand in pairs:
        rng = np.random.default_rng(3)
        a, b = generated.reset(), hand.reset()
        diff = same(a, b)
        for t in range(steps):
            if diff:
                break
            actions = [random_legal(a.roles[0].mask, rng)]
            a, b = generated.step(actions), hand.step(actions)
            diff = same(a, b)
        if diff:
            print("%s: the hand-written version differs from the generated one in %s at step %d" % (name, diff, t))
            ok = False
        else:
            print("%s: the hand-written version computes what the generated one does (%d steps x %d copies)" % (name, steps, envs))
    return ok


def measure(env, actions, agents, seconds):
    env.reset()
    for _ in range(20):
        env.step(actions)
    steps = 0
    t0 = time.perf_counter()
    while True:
        for _ in range(10):
            env.step(actions)
        steps += 10
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return steps * env_size(env) * agents / elapsed


def env_size(env):
    return env.num_envs if hasattr(env, "num_envs") else env.E


def fmt(rate):
    return "%.1fM" % (rate / 1e6) if rate >= 1e6 else "%.1fk" % (rate / 1e3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ipd")
    parser.add_argument("public_goods")
    parser.add_argument("--envs", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    ipd, pg = load(args.ipd, "generated_ipd"), load(args.public_goods, "generated_public_goods")
    E = args.envs if not args.check else 16

    def pairs(E):
        return [
            ("iterated_pd", ipd.Env(E, seed=1), handwritten.IteratedPD(E)),
            ("public_goods", pg.Env(E, seed=1, sample_params=False), handwritten.PublicGoods(E)),
        ]

    if not check(pairs(16)):
        sys.exit(1)
    if args.check:
        return
    print("\nNumPy env.py, E = %d copies, one core (agent-steps/s; numpy %s):" % (E, np.__version__))
    ratios = []
    for name, generated, hand in pairs(E):
        first = generated.reset()
        # Fixed legal actions: each agent's first legal action, rotated by copy.
        mask = first.roles[0].mask
        actions = [np.array([[np.flatnonzero(mask[c, i])[c % max(1, int(mask[c, i].sum()))] for i in range(mask.shape[1])] for c in range(E)])]
        agents = mask.shape[1]
        hand_rates, gen_rates = [], []
        for _ in range(3):
            hand_rates.append(measure(hand, actions, agents, args.seconds))
            gen_rates.append(measure(generated, actions, agents, args.seconds))
        ratio = max(gen_rates) / max(hand_rates)
        ratios.append(ratio)
        print("  %-13s hand-written NumPy  %8s   (reference)" % (name, fmt(max(hand_rates))))
        print("  %-13s generated env.py    %8s   %.2fx the hand-written one" % (name, fmt(max(gen_rates)), ratio))
    print("  target: generated >= 0.8x hand-written -> %s" % ("met" if min(ratios) >= 0.8 else "NOT met"))


if __name__ == "__main__":
    main()
