/** What the scheduler keeps per owner: its one waiting item and how many of its items run. */
interface Lane<T> {
  waiting: T | null;
  running: number;
}

/**
 * Runs the items of several owners (live sessions' frames) on `capacity` slots, taking owners in
 * turn (round robin), so a client sending fast cannot starve one sending slowly. An owner has at
 * most `perOwner` items running and one waiting: a newer item replaces the waiting one, which is
 * dropped. Nothing queues up behind a busy server: the newest frame is the one that runs next, and
 * the memory held is bounded by owners × (perOwner + 1) items.
 */
export class FairScheduler<O, T> {
  private readonly lanes = new Map<O, Lane<T>>();
  /** owners that have an item waiting and may start one, in turn order */
  private readonly turn: O[] = [];
  private active = 0;

  constructor(
    private readonly capacity: number,
    private readonly perOwner: number,
    private readonly run: (owner: O, item: T) => Promise<void>,
  ) {}

  /** Offers an item; returns the older waiting item it replaced, if any (to be reported dropped). */
  submit(owner: O, item: T): T | null {
    let lane = this.lanes.get(owner);
    if (!lane) this.lanes.set(owner, (lane = { waiting: null, running: 0 }));
    const dropped = lane.waiting;
    lane.waiting = item;
    if (dropped === null) this.enqueue(owner, lane);
    this.pump();
    return dropped;
  }

  /** Forgets an owner (its session ended): returns its waiting item; its running ones finish. */
  remove(owner: O): T | null {
    const lane = this.lanes.get(owner);
    if (!lane) return null;
    const waiting = lane.waiting;
    lane.waiting = null;
    const i = this.turn.indexOf(owner);
    if (i >= 0) this.turn.splice(i, 1);
    if (lane.running === 0) this.lanes.delete(owner);
    return waiting;
  }

  /** Items running now and owners with an item ready to start. */
  get load(): { running: number; waitingOwners: number } {
    return { running: this.active, waitingOwners: this.turn.length };
  }

  /** Puts an owner in the turn when it has an item waiting and room to run it. */
  private enqueue(owner: O, lane: Lane<T>): void {
    if (lane.waiting !== null && lane.running < this.perOwner && !this.turn.includes(owner))
      this.turn.push(owner);
  }

  private pump(): void {
    while (this.active < this.capacity && this.turn.length > 0) {
      const owner = this.turn.shift()!;
      const lane = this.lanes.get(owner)!;
      const item = lane.waiting!;
      lane.waiting = null;
      this.active++;
      lane.running++;
      void this.run(owner, item)
        .catch(() => undefined) // run() reports its own failures; the slot must come back whatever happens
        .finally(() => {
          this.active--;
          lane.running--;
          if (lane.running === 0 && lane.waiting === null) this.lanes.delete(owner);
          else this.enqueue(owner, lane);
          this.pump();
        });
    }
  }
}
