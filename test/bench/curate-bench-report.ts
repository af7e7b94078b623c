/**
 * Figures and human-readable output of the curate benchmark: rates from the median pass,
 * ratios between the paths, process scaling, and where curate time goes.
 */
import { median } from './curate-bench-setup';

/** Wall-clock and CPU milliseconds of one pass over every image. */
export interface Measured {
  readonly ms: number;
  readonly cpuMs: number;
}

/** One curate handler call: its cost and the per-operator wall ms it wrote to timings/. */
export interface CuratePass extends Measured {
  readonly opMs: Record<string, number>;
}

/** Images per second of the median pass, by wall clock or by CPU time. */
export function rate(passes: readonly Measured[], images: number, clock: keyof Measured): number {
  return images / (median(passes.map((p) => p[clock])) / 1000);
}

/** Throughput of workers running at once (sum of each one's median rate) over one worker's. */
export function speedup(
  one: readonly (readonly Measured[])[],
  many: readonly (readonly Measured[])[],
  images: number,
): number {
  const total = (workers: readonly (readonly Measured[])[]) =>
    workers.reduce((sum, passes) => sum + rate(passes, images, 'ms'), 0);
  return total(many) / total(one);
}

export interface Results {
  readonly images: number;
  readonly longestEdge: number;
  readonly bare: readonly Measured[];
  readonly curate: readonly CuratePass[];
  /** Curate without dedup.phash (its second pixel pipeline per image). */
  readonly withoutPhash: readonly CuratePass[];
  readonly img2dataset: readonly Measured[] | string;
  /** Curate workers: one alone, then two at once (undefined when skipped). */
  readonly scaling?: { readonly one: Measured[][]; readonly two: Measured[][] };
  /** Highest 1-minute load average seen around the timed passes. */
  readonly load: number;
  readonly cores: number;
}

export function printHuman(r: Results, say: (line: string) => void): void {
  const line = (name: string, passes: readonly Measured[]): string => {
    const wall = rate(passes, r.images, 'ms');
    const cpu = rate(passes, r.images, 'cpuMs');
    const msPerImage = median(passes.map((p) => p.cpuMs)) / r.images;
    return `${name.padEnd(28)} ${wall.toFixed(2).padStart(8)} ${cpu.toFixed(2).padStart(13)} ${msPerImage.toFixed(1).padStart(13)}`;
  };
  const ratio = (a: readonly Measured[], b: readonly Measured[]): string =>
    `${(rate(a, r.images, 'ms') / rate(b, r.images, 'ms')).toFixed(3).padStart(8)} ${(rate(a, r.images, 'cpuMs') / rate(b, r.images, 'cpuMs')).toFixed(3).padStart(13)}`;

  say('');
  say(
    `${'per core, longest edge ' + String(r.longestEdge)} images/s  images/cpu-s  ms CPU/image`.padStart(
      0,
    ),
  );
  say(line('bare sharp', r.bare));
  say(line('curate (pairs-basic)', r.curate));
  say(line('curate without dedup.phash', r.withoutPhash));
  if (typeof r.img2dataset === 'string') say(`img2dataset Resizer: ${r.img2dataset}`);
  else say(line('img2dataset Resizer (OpenCV)', r.img2dataset));
  say(`${'ratio curate / bare'.padEnd(28)} ${ratio(r.curate, r.bare)}`);
  say(`${'ratio without phash / bare'.padEnd(28)} ${ratio(r.withoutPhash, r.bare)}`);
  if (typeof r.img2dataset !== 'string') {
    say(`${'ratio curate / img2dataset'.padEnd(28)} ${ratio(r.curate, r.img2dataset)}`);
    say(`${'ratio bare / img2dataset'.padEnd(28)} ${ratio(r.bare, r.img2dataset)}`);
  }
  if (r.scaling) {
    say(
      `curate in 2 processes vs 1: ${speedup(r.scaling.one, r.scaling.two, r.images).toFixed(2)}× the throughput (wall clock, ${r.cores} cores)`,
    );
  }
  if (r.load > r.cores) {
    say(
      `note: load average ${r.load.toFixed(1)} on ${r.cores} cores: other processes shared the CPU, so wall-clock figures are inflated and noisy; CPU-time figures are the steadier ones`,
    );
  }
  printBreakdown(r.curate, r.images, say);
}

/** Median wall ms/image per operator (timings/<stage>/<shard>.json) and outside them. */
function printBreakdown(
  passes: readonly CuratePass[],
  images: number,
  say: (line: string) => void,
): void {
  const total = median(passes.map((p) => p.ms));
  const row = (name: string, ms: number): string =>
    `  ${name.padEnd(40)} ${(ms / images).toFixed(2).padStart(6)} ms/image  ${((100 * ms) / total).toFixed(0).padStart(3)} %`;
  say('');
  say(
    `where curate wall time goes (median of ${passes.length} passes, per-op timings from the handler):`,
  );
  let inOps = 0;
  for (const op of Object.keys(passes[0]?.opMs ?? {})) {
    const ms = median(passes.map((p) => p.opMs[op] ?? 0));
    inOps += ms;
    say(row(op, ms));
  }
  say(row('outside operators (tar read/write, stats)', total - inOps));
  say(row('total', total));
}
