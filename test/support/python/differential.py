"""Replays recorded runs of the JS kernel on generated env.py modules and checks that every
step's results are bit-identical (see test/python-backend.test.ts, which records them).

Usage: python3 differential.py MANIFEST.json
Prints one JSON line per case: {"name", "ok"} or the first mismatch with this side's
buffers, for the test to compare element by element.
"""
import hashlib
import importlib.util
import json
import sys

import numpy as np


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DTYPES = {"obs": np.float32, "mask": np.uint8, "reward": np.float32, "objective": np.float32, "done": np.bool_, "metrics": np.float32, "phase": np.int32, "rules": np.uint8}


def check_types(res):
    """Every array has the documented dtype (a float64 would round differently later)."""
    arrays = [("done", res.done), ("metrics", res.metrics), ("phase", res.phase), ("rules", res.rules)]
    for role in res.roles:
        arrays += [("obs", role.obs), ("mask", role.mask), ("reward", role.reward), ("objective", role.objective)]
    for name, a in arrays:
        if a.dtype != DTYPES[name]:
            raise TypeError("%s has dtype %s, not %s" % (name, a.dtype, np.dtype(DTYPES[name])))


def check_state(env):
    """Every state array keeps its dtype and shape."""
    for name, (a, dtype, shape) in env._state().items():
        if a.dtype != dtype or a.shape != shape:
            raise TypeError("state %s is %s %s, not %s %s" % (name, a.dtype, a.shape, np.dtype(dtype), shape))


def buffers(res):
    """The result's buffers in the JS layout and order (see digest() in the test)."""
    check_types(res)
    out = []
    for r, role in enumerate(res.roles):
        out.append(("roles[%d].obs" % r, np.ascontiguousarray(role.obs, np.float32)))
        out.append(("roles[%d].mask" % r, np.ascontiguousarray(role.mask, np.uint8)))
        out.append(("roles[%d].reward" % r, np.ascontiguousarray(role.reward, np.float32)))
        out.append(("roles[%d].objective" % r, np.ascontiguousarray(role.objective, np.float32)))
    out.append(("done", np.ascontiguousarray(res.done, np.uint8)))
    out.append(("metrics", np.ascontiguousarray(res.metrics, np.float32)))
    out.append(("phase", np.ascontiguousarray(res.phase, np.int32)))
    out.append(("rules", np.ascontiguousarray(res.rules, np.uint8)))
    return out


def digest(arrays):
    h = hashlib.sha1()
    for a in arrays:
        h.update(a.tobytes())
    return h.hexdigest()


def dump(arrays):
    return {name: [repr(float(x)) if a.dtype.kind == "f" else int(x) for x in a.ravel()] for name, a in arrays}


def run(case):
    module = load(case["module"], "agora_env_%d" % case["index"])
    E = case["numEnvs"]
    counts = [role["count"] for role in module.SCHEMA["roles"]]
    env = module.Env(E, seed=case["seed"], checked=True)
    expected = case["digests"]
    res = env.reset()
    got = buffers(res)
    if digest(a for _, a in got) != expected[0]:
        return {"name": case["name"], "ok": False, "step": -1, "what": "reset", "buffers": dump(got)}
    recorded = np.fromfile(case["actions"], dtype="<i4")
    per_step = 1 + sum(E * n for n in counts)
    bots = [b["name"] for b in module.SCHEMA["bots"]]
    for t in range(case["steps"]):
        row = recorded[t * per_step:(t + 1) * per_step]
        bot = int(row[0])
        if bot >= 0:
            chosen = env.bot_actions(bots[bot])
            if hashlib.sha1(np.ascontiguousarray(chosen, np.int32).tobytes()).hexdigest() != case["bots"][str(t)]:
                return {"name": case["name"], "ok": False, "step": t, "what": "bot", "bot": bots[bot], "buffers": {"bot": chosen.ravel().tolist()}}
        actions = []
        offset = 1
        for n in counts:
            actions.append(row[offset:offset + E * n].reshape(E, n))
            offset += E * n
        res = env.step(actions)
        check_state(env)
        got = buffers(res)
        if digest(a for _, a in got) != expected[t + 1]:
            return {"name": case["name"], "ok": False, "step": t, "what": "step", "buffers": dump(got)}
    return {"name": case["name"], "ok": True}


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    for case in manifest:
        try:
            result = run(case)
        except Exception as error:  # report, and go on with the other cases
            result = {"name": case["name"], "ok": False, "what": "error", "error": "%s: %s" % (type(error).__name__, error)}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
