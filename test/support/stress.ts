import { RULE_VALUES } from "./rule-values.js";
/** Stress scenarios shared by the backend tests: what the examples use little. */

/**
 * What the examples use little: mid-round `end` (so copies drift into different phases),
 * initial values that read other agents (computed agent by agent), run-time agent targets
 * that write bools and reals, zero divisors, int overflow, empty aggregates, `log`/`sqrt`
 * outside their domain, randomness in initial values, guards, observations, steps and bots,
 * rules enacted through variables, team sizes.
 */
export const ADVERSARIAL = `game Adversarial {
  param big: int = 100000 in 90000..2000000000
  param k: int = 3 in -2..4
  param z: real = 0.5 in -1..1
  param rate: real = 1.5
  teams red, green, blue
  phases one, two, three
  horizon 3..9
  state acc: int = big
  state total: real = 0
  state hits: int = 0
  state flag: bool = false
  rule open { }
  rule closed { starts active  rate = 0.25 }
  rule late { active when round >= 2 and acc % 2 == 0 }

  role p * 3 {
    team = if self.index == 0 then blue else red
    state x: int = randint(0, 4) + count(q in p where q.y > 0)
    state y: int = self.index * 2 - 1
    state w: real = random() * 3 - 1
    state mark: bool = bernoulli(0.5)
    action hit(t: p) in one when t != self and not t.mark
    action set(v: -2..2) when v != k and phase != three
    action swap(r: rule) in two when r != late
    action rest
    action join(t: team) in three when t != self.team and size(t) < 3
    observe self.x, self.y, self.w, self.mark, self.team, last(self.action), acc % 7, total,
            min(q in p where q.x > 100: q.w), max(q in p where q != self: q.y), mean(q in p where q.mark: q.w),
            sum(q in p: q.w * z), random() < 0.5, open, closed, late, rate, size(blue)
    objective self.reward + log(self.w) - sqrt(self.w - 1) + exp(-abs(self.w))
  }
  role judge {
    state seen: int = 0
    action rule_on(r: rule) in three
    observe self.seen, hits, flag, round
  }

  step one {
    for a in p {
      match a.action {
        hit(t) => { t.x -= 1  t.mark = not t.mark  t.w = t.w / (t.x - 2)  hits += 1  a.reward += t.w }
        set(v) => { a.y = a.y * big + v  a.x = a.x % v  acc = acc * a.y }
      }
    }
    total += sum(a in p: a.w) / count(a in p where a.mark)
    if hits > 4 and bernoulli(0.3) { end }
  }
  step two {
    for a in p {
      match a.action {
        set(v) => { a.w = a.w + v / k  a.x = (a.x * 65537) % (v + 1) }
        swap(r) => { if r { repeal r } else { enact r } }
        rest => { a.reward -= rate }
      }
      if late { a.reward += 1 }
    }
    flag = any(a in p where a.w < 0)
    if flag and random() < 0.1 { end }
  }
  step three {
    for a in p { match a.action { join(t) => { a.team = t } } }
    for j in judge { match j.action { rule_on(r) => { enact r  j.seen += 1 } } }
    for t in teams where size(t) > 1 {
      for a in p where a.team == t { a.reward += 1.0 / size(t)  a.w += random() }
    }
    acc = acc - max(q in p: q.x) * 1000003
  }
  end when total > 50 or acc == 0
  metric m1 = if late then total / hits else -total
  metric m2 = mean(a in p: if a.mark then 1 else 0)
  metric m3 = floor(z * 10) % k
  bot b1 for p {
    let r = randint(0, 3)
    if phase == one {
      for q in p where q != self and not q.mark { if r > 0 { play hit(q) } }
      play set(r - 2)
    } else if phase == two {
      if random() < 0.5 { play swap(open) }
      play set(k)
      play rest
    } else { play join(if self.team == red then green else red) }
  }
  bot b2 for judge { if random() < 0.5 { play rule_on(open) } else { play rule_on(closed) } }
}
`;

/** Extra scenarios for what the examples use little: randomness, math, nested aggregates, dynamic rules. */
export const EXTRA = {
  "random and math": `game RandomMath {
    param p: real = 0.3 in 0.1..0.9
    horizon 5..12
    teams 3
    state pot: real = 10 * random()
    role a * 3 {
      state luck: int = randint(0, 5)
      state flag: bool = bernoulli(0.5)
      action draw(k: 1..3) when k <= self.luck + 1
      action pass
      observe pot, self.luck, self.flag, self.team, last(self.action), round % 2, self.reward, self.total
      objective self.reward + exp(-abs(self.total)) - log(1 + self.luck) + sqrt(max(0, pot))
    }
    step {
      for x in a {
        if bernoulli(p) { x.reward += random() * 2 - 1 }
        match x.action { draw(k) => { pot -= k * 0.5  x.luck = (x.luck + randint(-1, 1)) % 4  x.flag = not x.flag } }
        if x.luck < 0 { x.luck = 0 }
      }
      pot = clamp(pot * 1.05 - floor(pot / 7), -5, 50)
      if count(x in a where x.flag) >= 2 { for t in teams where size(t) > 0 { for x in a where x.team == t { x.team = if t == team0 then team1 else if t == team1 then team2 else team0 } } }
    }
    end when pot < -4
    metric spread = max(x in a: x.total) - min(x in a: x.total)
    metric nested = mean(x in a: count(y in a where y.luck >= x.luck))
    bot lucky for a { if self.luck > 1 { play draw(randint(1, 2)) } else { play pass } }
  }`,
  "dynamic rules and overrides": `game Rules {
    param rate: real = 1
    param cap: int = 3
    rule boost { rate = 2 }
    rule austerity { starts active  cap = 1  rate = 0.5 }
    rule late { active when round >= 3  rate = 3 }
    phases vote, act
    horizon 8
    role c * 4 {
      action vote(r: rule) in vote when r != late
      action abstain in vote
      action take(x: 0..3) in act when x <= cap
      observe boost, austerity, late, rate, cap, phase == act
    }
    step vote {
      for q in c { match q.action { vote(r) => { if count(o in c where o.action == vote(r)) >= 2 { enact r } else { repeal r } } } }
    }
    step act {
      for q in c { match q.action { take(x) => { q.reward += x * rate } } }
    }
    metric active_rules = (if boost then 1 else 0) + (if austerity then 1 else 0)
  }`,
  "rule values": RULE_VALUES,
  // Float32 overflow to Infinity, Infinity - Infinity, log and sqrt of negatives, int32
  // wrap-around and floor beyond the int32 range: every backend must give the same values.
  overflow: `game Overflow {
    horizon 8
    state big: real = 1000000
    state n: int = 1000
    role p * 2 {
      action grow
      action shrink
      observe big, n
    }
    step {
      for x in p {
        match x.action {
          grow => { big = big * 1000  n = n * 1000 }
          shrink => { big = big / 10  n = n + 2147483000 }
        }
      }
      for x in p { x.reward += big }
      for x in p { x.reward += floor(big) }
    }
    metric gap = big - big
    metric f = floor(big)
    metric nn = n
    metric lg = log(0 - big)
    metric sq = sqrt(0 - big)
  }`,
};
