import type { Policy } from "./engine/policy.js";
import type { Rng } from "./ppo.js";

/**
 * The population of past policies that fictitious self-play trains against (`--opponent pool`;
 * Heinrich, Lanctot & Silver 2015, "Fictitious Self-Play in Extensive-Form Games").
 *
 * Self-play against the current policy cycles in games whose equilibria are mixed (matching
 * pennies, rock-paper-scissors, a penalty kick): each side chases the other's last move.
 * Fictitious play instead best-responds to the *average* of everything the other side has
 * played, and in two-player zero-sum games that average converges to an equilibrium. Here
 * the learner's snapshots after every update join the pool, and co-player seats are played
 * by members drawn uniformly from it, so the learner answers the historical average.
 *
 * Memory is bounded: when the pool holds more than `capacity` members, every other one is
 * dropped and snapshots are taken half as often from then on, so the members stay evenly
 * spread over the whole of training (uniform over history, as fictitious play asks).
 *
 * What the run learned is then the *average* strategy, not the last policy (which is close
 * to a best response to the pool, so exploitable): evaluation reports both.
 */
export interface PoolMember {
  /** The update after which the snapshot was taken (0: the initial policy). */
  update: number;
  /** Per role, the actor's weights (the critic is not needed to act). */
  actors: Float32Array[][];
}

export interface SavedPool {
  /** Updates between snapshots (doubles each time the pool is thinned). */
  interval: number;
  members: PoolMember[];
}

export class PolicyPool {
  members: PoolMember[] = [];
  interval = 1;

  constructor(
    readonly capacity: number,
    /** Tensors per role that belong to the actor (the first of each policy's weights). */
    private readonly actorTensors: number[],
  ) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error(`the pool needs room for 2 members or more`);
  }

  /** After update `update` (0 before training): keeps a snapshot if one is due. */
  offer(update: number, policies: Policy[]): void {
    if (update % this.interval !== 0) return;
    this.members.push({
      update,
      actors: policies.map((p, r) =>
        p
          .weights()
          .slice(0, this.actorTensors[r])
          .map((w) => w.data.slice()),
      ),
    });
    if (this.members.length > this.capacity) {
      // Keep the members whose update is a multiple of the doubled interval: evenly spread, and the same members
      // whichever point training resumed from.
      this.interval *= 2;
      this.members = this.members.filter((m) => m.update % this.interval === 0);
    }
  }

  /** `count` members drawn uniformly with replacement. */
  sample(count: number, rng: Rng): PoolMember[] {
    if (this.members.length === 0) throw new Error("internal: sampling an empty pool");
    return Array.from({ length: count }, () => this.members[Math.floor(rng.next() * this.members.length)]);
  }

  save(): SavedPool {
    return { interval: this.interval, members: this.members };
  }

  restore(saved: SavedPool): void {
    this.interval = saved.interval;
    this.members = saved.members;
  }
}

/** Loads a member's actor into a frozen policy of the same shape (its critic stays: co-players do not use it). */
export function loadActor(policy: Policy, actor: Float32Array[]): void {
  const weights = policy.weights();
  policy.setWeights(weights.map((w, k) => ({ shape: w.shape, data: k < actor.length ? actor[k] : w.data })));
}
