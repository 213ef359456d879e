"""Conformance of generated env.py modules (see test/python-backend.test.ts).

The ParallelEnv part reproduces the checks of PettingZoo's parallel_api_test and
parallel_seed_test (pettingzoo/test/parallel_test.py, seed_test.py) without needing
PettingZoo: dict keys, agents, spaces that contain the observations, termination handling,
seeding determinism. The Env part checks the vectorised API's contract.

Usage: python3 conformance.py '[{"file": ..., "module": ...}, ...]'
Prints one JSON line per module: {"file", "ok", "checks"} or {"file", "ok": false, "error"}.
"""
import importlib.util
import json
import sys
import traceback

import numpy as np


class Checker(object):
    def __init__(self):
        self.count = 0

    def __call__(self, condition, message):
        self.count += 1
        if not condition:
            raise AssertionError(message)


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_action(env, obs, agent, rng):
    """As parallel_test.sample_action: a legal action from the mask in the observation."""
    mask = obs[agent]["action_mask"]
    legal = np.flatnonzero(mask)
    if legal.size == 0:
        return int(rng.integers(env.action_space(agent).n))
    return int(rng.choice(legal))


def parallel_api_test(module, check, num_cycles=300):
    env = module.ParallelEnv(seed=3)
    check(len(env.possible_agents) > 0, "possible_agents is empty")
    check(len(set(env.possible_agents)) == len(env.possible_agents), "agent names are not unique")
    check(env.metadata["name"] == module.SCHEMA["name"], "metadata names the game")
    rng = np.random.default_rng(0)
    for reset in range(3):
        obs, infos = env.reset(seed=11) if reset == 0 else env.reset()
        check(isinstance(obs, dict) and isinstance(infos, dict), "reset returns (dict, dict)")
        check(set(obs) == set(env.agents) and set(infos) == set(env.agents), "reset's dicts are keyed by the live agents")
        check(set(env.agents) == set(env.possible_agents), "every agent is live after reset")
        live = set(env.agents)
        finished = set()
        for agent in env.agents:
            check(env.observation_space(agent).contains(obs[agent]), "the observation space contains the observation of %s" % agent)
            check("action_mask" in infos[agent], "infos carry the action mask")
        for cycle in range(num_cycles):
            actions = {agent: sample_action(env, obs, agent, rng) for agent in env.agents}
            for agent, a in actions.items():
                check(env.action_space(agent).contains(a), "the sampled action is in the action space")
            obs, rewards, terminations, truncations, infos = env.step(actions)
            for d in (obs, rewards, terminations, truncations, infos):
                check(isinstance(d, dict), "step returns dicts")
                check(set(d) == live, "step's dicts are keyed by the agents live before the step")
            for agent in env.agents:
                check(agent not in finished, "agent cannot be revived once dead")
            check(set(env.agents).issubset(set(env.possible_agents)), "agents are possible agents")
            for agent in live:
                check(env.observation_space(agent) is env.observation_space(agent), "observation_space is cached")
                check(env.action_space(agent) is env.action_space(agent), "action_space is cached")
                check(env.observation_space(agent).contains(obs[agent]), "the observation space contains the observation of %s" % agent)
                check(isinstance(rewards[agent], float) and np.isfinite(rewards[agent]), "rewards are finite floats")
                check(isinstance(terminations[agent], bool) and isinstance(truncations[agent], bool), "terminations and truncations are bools")
                check(isinstance(infos[agent], dict), "infos are dicts")
            for agent in live:
                if terminations[agent] or truncations[agent]:
                    finished.add(agent)
            live = set(env.agents)
            check(live.isdisjoint(finished), "finished agents are no longer live")
            if not env.agents:
                check(finished == set(env.possible_agents), "the episode ends for every agent")
                break
        check(not env.agents or cycle == num_cycles - 1, "the loop ends with the episode or the cycles")
    try:
        env.step({})
        stepped = bool(env.agents)
    except RuntimeError:
        stepped = False
    check(not stepped or env.agents, "stepping a finished episode is refused")


def parallel_seed_test(module, check):
    def run(seed):
        env = module.ParallelEnv()
        rng = np.random.default_rng(5)
        trace = []
        for reset in range(2):
            obs, _ = env.reset(seed=seed) if reset == 0 else env.reset()
            trace.append({a: o["observation"].tolist() for a, o in obs.items()})
            for _ in range(120):
                actions = {agent: sample_action(env, obs, agent, rng) for agent in env.agents}
                obs, rewards, terminations, truncations, _ = env.step(actions)
                trace.append(({a: o["observation"].tolist() for a, o in obs.items()}, rewards, terminations))
                if not env.agents:
                    break
        return trace

    check(run(42) == run(42), "the same seed gives the same episodes")
    env = module.ParallelEnv()
    a, _ = env.reset(seed=9)
    b, _ = env.reset(seed=9)
    check(all(np.array_equal(a[k]["observation"], b[k]["observation"]) for k in a), "reset(seed) restarts the same episode")


def env_api_test(module, check):
    schema = module.SCHEMA
    E = 5
    env = module.Env(E, seed=1)
    r = env.reset()
    check(len(r.roles) == len(schema["roles"]), "one result per role")
    for k, role in enumerate(schema["roles"]):
        rr = r.roles[k]
        check(rr.obs.shape == (E, role["count"], role["obsDim"]) and rr.obs.dtype == np.float32, "obs shape and dtype")
        check(rr.mask.shape == (E, role["count"], role["numActions"]) and rr.mask.dtype == np.uint8, "mask shape and dtype")
        check(rr.reward.shape == (E, role["count"]) and not rr.reward.any(), "rewards start at 0")
        check(rr.objective.shape == (E, role["count"]) and not rr.objective.any(), "objectives start at 0")
        check(r.role(role["name"]) is rr, "results by role name")
    check(r.done.shape == (E,) and not r.done.any(), "done starts false")
    check(r.metrics.shape == (E, len(schema["metrics"])), "metrics shape")
    check(list(r.phase) == [0] * E, "copies start in phase 0")
    # Actions as a dict by role name, flat or shaped.
    noop = {role["name"]: -np.ones(E * role["count"], int) for role in schema["roles"]}
    r2 = env.step(noop)
    check(r2.done.shape == (E,), "step accepts a dict of flat arrays")
    check(r2 is not r and r2.roles[0].obs is not r.roles[0].obs, "results are fresh arrays, safe to keep")
    try:
        env.step([np.zeros(3, int)] * len(schema["roles"]))
        check(False, "a wrong number of actions is refused")
    except ValueError as error:
        check("must hold" in str(error), "the message says how many actions are needed")
    # Determinism.
    def trajectory(seed):
        e = module.Env(4, seed=seed)
        res = e.reset()
        out = [res.roles[0].obs.copy()]
        rng = np.random.default_rng(1)
        for _ in range(40):
            acts = []
            for k, role in enumerate(schema["roles"]):
                m = res.roles[k].mask
                acts.append(np.array([[rng.choice(np.flatnonzero(m[c, i])) if m[c, i].any() else -1 for i in range(role["count"])] for c in range(4)]))
            res = e.step(acts)
            out.append(res.roles[0].obs.copy())
            out.append(res.roles[0].reward.copy())
        return out

    a, b = trajectory(7), trajectory(7)
    check(all(np.array_equal(x, y) for x, y in zip(a, b)), "the same seed gives the same run")
    # Unknown and compile-time params are refused with the JS messages.
    try:
        module.Env(1, params={"no_such_param": 1})
        check(False, "an unknown param is refused")
    except ValueError as error:
        check("unknown param \x60no_such_param\x60" in str(error), "the message names the unknown param")
    fixed = [p for p in schema["params"] if not p["variesPerEpisode"]]
    if fixed:
        try:
            module.Env(1, params={fixed[0]["name"]: 1})
            check(False, "a compile-time param is refused")
        except ValueError as error:
            check("fixed when the scenario is compiled" in str(error), "the message says to use --set")
    # Checked mode: a masked-out action raises the JS message; unchecked it is the no-op.
    for k, role in enumerate(schema["roles"]):
        m = env.reset().roles[k].mask
        blocked = np.argwhere((m == 0) & m.any(axis=2, keepdims=True))
        if blocked.size == 0:
            continue
        c, i, a = (int(x) for x in blocked[0])
        strict = module.Env(E, seed=1, checked=True)
        strict.reset()
        acts = [-np.ones((E, ro["count"]), int) for ro in schema["roles"]]
        acts[k][c, i] = a
        try:
            strict.step(acts)
            check(False, "a masked-out action is refused in checked mode")
        except ValueError as error:
            expected = "copy %d, %s #%d: action \x60%s\x60 (%d) is not available now (masked out); pass a legal action or -1 for no-op" % (c, role["name"], i, role["actionLabels"][a], a)
            check(str(error) == expected, "checked mode's message: %s" % error)
        lax = module.Env(E, seed=1)
        lax.reset()
        lax.step(acts)
        break
    for bot in schema["bots"]:
        chosen = env.bot_actions(bot["name"])
        r = next(k for k, ro in enumerate(schema["roles"]) if ro["name"] == bot["role"])
        check(chosen.shape == (E, schema["roles"][r]["count"]) and chosen.dtype == np.int32, "bot actions shape")


def main():
    cases = json.loads(sys.argv[1])
    failed = False
    for n, case in enumerate(cases):
        check = Checker()
        try:
            module = load(case["module"], "agora_conformance_%d" % n)
            parallel_api_test(module, check)
            parallel_seed_test(module, check)
            env_api_test(module, check)
            print(json.dumps({"file": case["file"], "ok": True, "checks": check.count}), flush=True)
        except Exception as error:
            failed = True
            print(json.dumps({"file": case["file"], "ok": False, "checks": check.count, "error": "%s: %s\n%s" % (type(error).__name__, error, traceback.format_exc())}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
