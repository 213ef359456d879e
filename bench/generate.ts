/**
 * Generates a large, valid scenario for benchmarks: many roles, params, rules, state and
 * a long `step`, in the proportions of hand-written games.
 */
export function generateScenario(targetLines: number): string {
  const lines: string[] = [
    "// Generated for benchmarks: a large, valid scenario.",
    "game Generated {",
    "  horizon 20..80",
    "  teams red, blue, green",
  ];
  const roles: string[] = [];
  let unit = 0;
  while (lines.length < targetLines - 40) {
    const k = unit++;
    const role = `worker${k}`;
    roles.push(role);
    lines.push(
      `  // Unit ${k}: its own economy.`,
      `  param rate${k}: real = 1.5 in 1.0..2.0`,
      `  param cap${k}: int = ${3 + (k % 5)}`,
      `  state stock${k}: real = 100`,
      `  rule quota${k} { active when stock${k} < 50  rate${k} = 1.2 }`,
      `  rule vote${k} { }`,
      `  role ${role} * 2 {`,
      `    state effort: real = 0`,
      `    action work(x: 0..cap${k}) when not quota${k} or x <= 2`,
      `    action rest`,
      `    action move(t: team) when t != self.team`,
      `    action propose(r: rule)`,
      `    observe round, self.total, self.effort, stock${k}, quota${k}, last(self.action)`,
      `    objective self.reward + 0.1 * mean(o in ${role} where o != self: o.reward)`,
      `  }`,
      `  metric output${k} = mean(a in ${role}: a.effort)`,
      `  bot lazy${k} for ${role} {`,
      `    if stock${k} < 20 { play rest } else if self.effort > 3.5 { play work(1) } else { play work(cap${k}) }`,
      `  }`,
    );
  }
  lines.push("  step {");
  let s = 0;
  while (lines.length < targetLines - 2) {
    const k = s++ % roles.length;
    const role = roles[k];
    lines.push(
      `    let harvest${s}: real = 0`,
      `    for a in ${role} {`,
      `      match a.action {`,
      `        work(x) => { harvest${s} += x * rate${k}  a.effort += x  a.reward += x * 0.5 }`,
      `        move(t) => { a.team = t }`,
      `        propose(r) => { if r == vote${k} { enact vote${k} } }`,
      `        rest => { a.reward += 0.1 }`,
      `      }`,
      `    }`,
      `    stock${k} = clamp(stock${k} - harvest${s} + 0.05 * stock${k} * (1 - stock${k} / 200), 0, 200)`,
      `    if count(a in ${role} where a.action == propose(vote${k})) > 1 and not vote${k} { enact vote${k} } else if stock${k} > 150 { repeal vote${k} }`,
    );
  }
  lines.push("  }", "}");
  return lines.join("\n") + "\n";
}
