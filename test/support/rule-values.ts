/** Rule-typed values in state, agent state, locals and action arguments: stored, compared, enacted through. */
export const RULE_VALUES = `game RuleValues {
  rule alpha { }
  rule beta { starts active }
  rule gamma { active when round >= 2 }
  phases vote, act
  horizon 6
  state current: rule = beta
  state previous: rule = alpha
  role c * 3 {
    state fav: rule = alpha
    action vote(r: rule) in vote when r != gamma
    action pass in vote
    action work in act
    observe current, self.fav, alpha, beta, gamma, current == beta
  }
  step vote {
    for q in c { match q.action { vote(r) => { q.fav = r } } }
    let t: rule = if count(q in c where q.fav == alpha) >= 2 then alpha else beta
    previous = current
    current = t
    enact t
    let u: rule = if t == alpha then beta else alpha
    repeal u
  }
  step act {
    for q in c {
      if q.fav == current { q.reward += 1 }
      if q.fav { q.reward += 0.5 }
    }
    let now: rule = current
    let before: rule = previous
    if round == 3 { repeal now  enact before }
  }
  metric current_is_alpha = if current == alpha then 1 else 0
  metric current_active = if current then 1 else 0
  metric fav_beta = count(q in c where q.fav == beta)
  metric previous_is_current = if previous == current then 1 else 0
}`;
