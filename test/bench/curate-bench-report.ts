/**
 * Figures and human-readable output of the curate benchmark: rates from the median pass,
 * curate / bare ratios, and where curate time goes.
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

export interface Results {
  readonly images: number;
  readonly bare: readonly Measured[];
  readonly curate: readonly CuratePass[];
  /** Curate with image.decode verify=header (no verification decode). */
  readonly headerOnly: readonly CuratePass[];
  /** Highest 1-minute load average seen around the timed passes. */
  readonly load: number;
  readonly cores: number;
}

export function printHuman(r: Results, say: (line: string) => void): void {
  const line = (name: string, passes: readonly Measured[]): string => {
    const wall = rate(passes, r.images, 'ms');
    const cpu = rate(passes, r.images, 'cpuMs');
    return `${name.padEnd(24)} ${wall.toFixed(2).padStart(6)} images/s   ${cpu.toFixed(2).padStart(6)} images/cpu-s`;
  };
  const ratio = (passes: readonly Measured[], clock: keyof Measured): string =>
    (rate(passes, r.images, clock) / rate(r.bare, r.images, clock)).toFixed(3);

  say('');
  say(`${''.padEnd(24)} wall clock (per core)   CPU time`);
  say(line('bare sharp', r.bare));
  say(line('curate', r.curate));
  say(line('curate verify=header', r.headerOnly));
  say(
    `ratio curate / bare      ${ratio(r.curate, 'ms').padStart(6)}            ${ratio(r.curate, 'cpuMs').padStart(6)}`,
  );
  say(
    `ratio verify=header/bare ${ratio(r.headerOnly, 'ms').padStart(6)}            ${ratio(r.headerOnly, 'cpuMs').padStart(6)}`,
  );
  if (r.load > r.cores) {
    say(
      `note: load average ${r.load.toFixed(1)} on ${r.cores} cores: other processes shared the CPU, so wall-clock figures are inflated and noisy; CPU-time figures are the steadier ones`,
    );
  }

  printBreakdown('curate', r.curate, r.images, say);
  printBreakdown('curate, image.decode verify=header', r.headerOnly, r.images, say);
  const cpuPerImage = (passes: readonly Measured[]): number =>
    median(passes.map((p) => p.cpuMs)) / r.images;
  const verifyCpu = cpuPerImage(r.curate) - cpuPerImage(r.headerOnly);
  say('');
  say(
    `verification decode (verify=decode − verify=header): ${verifyCpu.toFixed(1)} ms CPU/image, ${((100 * verifyCpu) / cpuPerImage(r.curate)).toFixed(0)} % of curate's CPU`,
  );
  say(
    `bare sharp: ${cpuPerImage(r.bare).toFixed(1)} ms CPU/image; curate: ${cpuPerImage(r.curate).toFixed(1)}; curate verify=header: ${cpuPerImage(r.headerOnly).toFixed(1)}`,
  );
}

/** Median wall ms/image per operator (timings/<stage>/<shard>.json) and outside them. */
function printBreakdown(
  title: string,
  passes: readonly CuratePass[],
  images: number,
  say: (line: string) => void,
): void {
  const total = median(passes.map((p) => p.ms));
  const row = (name: string, ms: number): string =>
    `  ${name.padEnd(40)} ${(ms / images).toFixed(1).padStart(6)} ms/image  ${((100 * ms) / total).toFixed(0).padStart(3)} %`;
  say('');
  say(
    `where ${title} wall time goes (median of ${passes.length} passes, per-op timings from the handler):`,
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
