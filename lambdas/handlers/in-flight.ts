/**
 * Several samples in flight through a chain without batching operators: while one sample's
 * image is resized on one core, the next is read, checked and resized on another. Each sample
 * sees what the sequential loop would show it: an operator that is not declared `concurrent`
 * (a dedup set, anything with state) is called in shard order, one sample at a time, and samples
 * leave in input order, so kept and rejected shards are the same bytes whatever the number in
 * flight.
 *
 * One exception needs care: libvips keeps a single error buffer per process and sharp clears it
 * when any pipeline ends, so a failing pipeline's message can be wiped ("Unknown error") or mixed
 * with another's while others run. A sample rejected by a concurrent operator or by its deferred
 * work is therefore run through that step again alone, and that outcome is the one recorded.
 */
import type { Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import { processOrExplain, recordMeasured, settle, type InFlight } from './chain-step';
import type { ChainLink } from './shard-loop';

/** A sample's place in line at one ordered link. */
interface Turn {
  /** Resolves when every earlier sample has left the link. */
  readonly ready: Promise<void>;
  /** This sample is done with the link (or skips it); idempotent. */
  leave(): void;
}

/** One queue per ordered link; `take` is called in input order. */
class Turns {
  private readonly tails: (Promise<void> | undefined)[];

  constructor(chain: readonly ChainLink[]) {
    this.tails = chain.map((link) => (link.instance.concurrent ? undefined : Promise.resolve()));
  }

  take(): (Turn | undefined)[] {
    return this.tails.map((tail, index) => {
      if (!tail) return undefined;
      let pass!: () => void;
      this.tails[index] = new Promise<void>((resolve) => (pass = resolve));
      // Leaving counts only once the sample before has left too: order is transitive.
      return { ready: tail, leave: () => void tail.then(pass) };
    });
  }
}

/** Operator calls share the process; an explanation runs once every other call has ended. */
class Alone {
  private running = 0;
  private idle: (() => void) | undefined;
  private exclusive: Promise<void> | undefined;

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    this.running++;
    try {
      return await work();
    } finally {
      if (--this.running === 0) this.idle?.();
    }
  }

  async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.idle = undefined;
      return await work();
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}

export interface SampleRunner {
  /** Starts a sample; returns the samples (in input order) that are finished and may be written. */
  add(item: InFlight): Promise<readonly InFlight[]>;
  /** The remaining samples, in input order, once finished. */
  finish(): Promise<readonly InFlight[]>;
}

/** Runs up to `limit` samples at once through `chain` (see the file comment). */
export function inFlightRunner(
  chain: readonly ChainLink[],
  labels: readonly string[],
  timingsMs: Record<string, number>,
  limit: number,
): SampleRunner {
  const turns = new Turns(chain);
  const pending: Promise<InFlight>[] = [];
  const calls = new Alone();
  // With one sample at a time nothing runs beside a call: its first outcome is already alone.
  const again = limit > 1;
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timingsMs[label]! += performance.now() - started;
    }
  };
  /** Deferred work; a failure is settled again alone for its own message (file comment). */
  const settleExplained = async (sample: Sample) => {
    const first = await calls.shared(() => settle(sample, timingsMs));
    return first.keep || !again ? first : calls.alone(() => settle(sample, timingsMs));
  };

  const traverse = async (item: InFlight, places: readonly (Turn | undefined)[]) => {
    try {
      for (const [index, link] of chain.entries()) {
        if (item.rejectedBy) break;
        const turn = places[index];
        if (turn) await turn.ready;
        const label = labels[index]!;
        const call = () => timed(label, () => processOrExplain(link, item.current));
        let outcome: Outcome<string> = await calls.shared(call);
        turn?.leave();
        if (!outcome.keep && again && link.instance.concurrent) outcome = await calls.alone(call);
        recordMeasured(item, link, outcome);
        if (outcome.keep) {
          item.current = outcome.sample;
          continue;
        }
        // Deferred work would have run before this operator: its failure takes precedence.
        const settled = item.current.deferred ? await settleExplained(item.current) : undefined;
        item.rejectedBy =
          settled && !settled.keep
            ? settled.tag
            : { op: link.op, reason: outcome.reason, detail: outcome.detail };
      }
      if (!item.rejectedBy && item.current.deferred) {
        const settled = await settleExplained(item.current);
        if (settled.keep) item.current = settled.sample;
        else item.rejectedBy = settled.tag;
      }
      return item;
    } finally {
      for (const turn of places) turn?.leave();
    }
  };

  return {
    async add(item) {
      const running = traverse(item, turns.take());
      // A failure surfaces when its turn to be written comes, in input order.
      running.catch(() => undefined);
      pending.push(running);
      const done: InFlight[] = [];
      while (pending.length >= Math.max(1, limit)) done.push(await pending.shift()!);
      return done;
    },
    async finish() {
      const done: InFlight[] = [];
      while (pending.length > 0) done.push(await pending.shift()!);
      return done;
    },
  };
}
