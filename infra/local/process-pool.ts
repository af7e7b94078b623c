/**
 * A fixed pool of forked Node processes running shard jobs, one job per process at a time.
 * Hand-written because piscina only does worker threads, and the benchmark compares both.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { KillOrder } from './faults';
import type { ShardJob, ShardJobResult } from './shard-worker';

interface Pending {
  readonly id: number;
  readonly job: ShardJob;
  readonly resolve: (result: ShardJobResult) => void;
  /** Injected fault: kill the process mid-job (faults.ts). */
  readonly kill?: KillOrder;
}

interface Slot {
  child: ChildProcess;
  current?: Pending;
  killTimer?: NodeJS.Timeout;
  /** The error to report once a process killed on purpose has exited. */
  killedAs?: string;
}

export class ProcessPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly entry: string,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i += 1) this.slots.push(this.spawn());
  }

  run(job: ShardJob, kill?: KillOrder): Promise<ShardJobResult> {
    if (this.closed) return Promise.reject(new Error('process pool is closed'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, job, resolve, ...(kill ? { kill } : {}) });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill();
          }),
      ),
    );
  }

  private spawn(): Slot {
    // execArgv [] : not the parent's (jest or inspector flags); the entry registers tsx itself.
    const child = fork(this.entry, [], {
      execArgv: [],
      serialization: 'advanced',
      env: { ...process.env, VLMFLOW_SHARD_WORKER: 'process' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const slot: Slot = { child };
    child.on('message', (message: { id: number; result: ShardJobResult }) => {
      const current = slot.current;
      if (!current || current.id !== message.id) return;
      // A job ordered killed dies even if it finished first: the answer never reaches the caller.
      if (current.kill) return this.kill(slot, current.kill.errorName);
      slot.current = undefined;
      current.resolve(message.result);
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      const current = slot.current;
      slot.current = undefined;
      clearTimeout(slot.killTimer);
      // A crashed function is what Lambda reports as Lambda.Unknown; the pool replaces the process.
      const injected = slot.killedAs !== undefined ? ' (injected fault)' : '';
      current?.resolve({
        ok: false,
        error: {
          name: slot.killedAs ?? 'Lambda.Unknown',
          message: `shard worker exited (code ${code}, signal ${signal})${injected}`,
        },
      });
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current || this.queue.length === 0) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.current = next;
      slot.child.send({ id: next.id, job: next.job });
      const { kill } = next;
      if (kill) slot.killTimer = setTimeout(() => this.kill(slot, kill.errorName), kill.afterMs);
    }
  }

  /** SIGKILL, as a crash or a timeout ends a function: no cleanup, no answer. */
  private kill(slot: Slot, errorName: string): void {
    if (slot.killedAs !== undefined) return;
    slot.killedAs = errorName;
    slot.child.kill('SIGKILL');
  }
}
