/**
 * Progress of a local run: a header (run id, elapsed time), one line per Distributed Map (a bar,
 * shards done of the stage, shards done before a resume, samples/s, running kept and rejected
 * counts, ETA), one per Batch job, and one for the state the run is in. On a terminal it is
 * redrawn in place; otherwise (CI logs, output piped to a file) the same lines are printed as
 * plain text every `intervalMs`, and once at the end.
 */
import { STATE_NAMES } from '../compiler/names';
import type { RunEvent } from './events';

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressRenderer {
  readonly onEvent: (event: RunEvent) => void;
  /** Draws the final state and moves below it. */
  finish(): void;
}

export interface ProgressOptions {
  /** Pipeline name for the header. */
  readonly pipeline?: string;
  /** Plain lines (not a terminal) at most this often. @default 10 000 */
  readonly intervalMs?: number;
  /** Clock in ms (tests). @default Date.now */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;
export const DEFAULT_PLAIN_INTERVAL_MS = 10_000;

export function renderBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** `1:05`, `1:02:03`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

interface MapLine {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  startedAt: number;
}

interface StageSamples {
  in: number;
  kept: number;
}

/** Folds run events into the lines to show; exported for tests. */
export class ProgressModel {
  private readonly maps = new Map<string, MapLine>();
  private readonly batches = new Map<string, string>();
  private readonly samples = new Map<string, StageSamples>();
  private readonly doneBefore = new Map<string, number>();
  private current = '';
  private runId?: string;
  private startedAt?: number;
  private endedAt?: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly pipeline?: string,
  ) {}

  apply(event: RunEvent): void {
    const now = this.now();
    if (event.type === 'execution' && event.phase === 'started') {
      this.runId ??= event.executionName;
      this.startedAt = now;
    } else if (event.type === 'plan') {
      this.runId = event.runId;
      for (const [stage, { shards, pending }] of Object.entries(event.stages))
        this.doneBefore.set(STATE_NAMES.map(stage), shards - pending);
    } else if (event.type === 'map') {
      const line = this.maps.get(event.state) ?? { ...event, startedAt: now };
      this.maps.set(event.state, { ...line, ...event, startedAt: line.startedAt });
    } else if (event.type === 'shard') {
      const key = STATE_NAMES.map(event.stage);
      const counts = this.samples.get(key) ?? { in: 0, kept: 0 };
      this.samples.set(key, { in: counts.in + event.in, kept: counts.kept + event.kept });
    } else if (event.type === 'batch') {
      this.batches.set(event.jobId, `${event.jobName}: running, log ${event.logFile}`);
    } else if (event.type === 'state' && event.phase === 'entered') {
      this.current = `▸ ${event.state}`;
    } else if (event.type === 'state' && (event.phase === 'failed' || event.phase === 'retried')) {
      this.current = `▸ ${event.state}: ${event.phase}${event.error ? ` (${event.error})` : ''}`;
    } else if (event.type === 'execution') {
      this.endedAt = now;
      this.current =
        event.phase === 'succeeded'
          ? `✓ ${this.runId ?? event.executionName} succeeded`
          : `✗ ${this.runId ?? event.executionName} failed: ${event.error ?? ''}`;
    }
  }

  lines(): string[] {
    const now = this.endedAt ?? this.now();
    const header =
      this.runId && this.startedAt !== undefined
        ? [
            `run ${this.runId}${this.pipeline ? ` of ${this.pipeline}` : ''} · elapsed ${formatDuration(now - this.startedAt)}`,
          ]
        : [];
    const maps = [...this.maps].map(([state, line]) => this.mapLine(state, line, now));
    return [...header, ...maps, ...this.batches.values(), ...(this.current ? [this.current] : [])];
  }

  private mapLine(state: string, line: MapLine, now: number): string {
    const before = this.doneBefore.get(state) ?? 0;
    const done = line.succeeded + line.failed;
    const parts = [
      `${state} ${renderBar(before + done, before + line.total)} ${before + done}/${before + line.total} shards`,
    ];
    if (before > 0) parts[0] += ` (${before} done before)`;
    if (line.failed > 0) parts[0] += `, ${line.failed} failed`;
    if (line.running > 0) parts[0] += `, ${line.running} running`;
    const elapsed = Math.max(1, now - line.startedAt);
    const samples = this.samples.get(state);
    if (samples && samples.in > 0) {
      const rate = (samples.in * 1000) / elapsed;
      parts.push(
        `${samples.in} samples, ${rate.toFixed(rate < 10 ? 1 : 0)}/s · kept ${samples.kept}, rejected ${samples.in - samples.kept}`,
      );
    }
    const remaining = line.total - done;
    if (remaining > 0 && done > 0 && this.endedAt === undefined)
      parts.push(`ETA ${formatDuration((elapsed / done) * remaining)}`);
    return parts.join(' · ');
  }
}

export function createProgressRenderer(
  stream: ProgressStream = process.stdout,
  options: ProgressOptions = {},
): ProgressRenderer {
  const now = options.now ?? Date.now;
  const model = new ProgressModel(now, options.pipeline);
  return stream.isTTY
    ? terminalRenderer(stream, model)
    : plainRenderer(stream, model, options, now);
}

function terminalRenderer(stream: ProgressStream, model: ProgressModel): ProgressRenderer {
  let drawn = 0;
  const draw = (): void => {
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    const lines = model
      .lines()
      .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    // Up to the first line drawn last time, then rewrite every line, clearing leftovers.
    let out = drawn > 0 ? `\r\x1b[${drawn}A` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    stream.write(out);
    drawn = lines.length;
  };
  return {
    onEvent: (event) => {
      model.apply(event);
      draw();
    },
    finish: () => {
      if (model.lines().length > 0) draw();
    },
  };
}

/**
 * Not a terminal: the run id once Plan names it, then the lines as plain text at most every
 * interval (checked on each event and by a timer, so a long shard still gets a line), and once
 * at the end. No escape codes.
 */
function plainRenderer(
  stream: ProgressStream,
  model: ProgressModel,
  options: ProgressOptions,
  now: () => number,
): ProgressRenderer {
  const interval = options.intervalMs ?? DEFAULT_PLAIN_INTERVAL_MS;
  let printedAt: number | undefined;
  let started = false;
  const print = (): void => {
    printedAt = now();
    stream.write(`${model.lines().join('\n')}\n`);
  };
  const timer = setInterval(() => {
    if (started && (printedAt === undefined || now() - printedAt >= interval)) print();
  }, interval);
  timer.unref();
  return {
    onEvent: (event) => {
      model.apply(event);
      if (event.type === 'plan') {
        started = true;
        stream.write(`run ${event.runId}: ${event.runRoot}\n`);
        printedAt = now();
      } else if (started && now() - (printedAt ?? 0) >= interval) print();
    },
    finish: () => {
      clearInterval(timer);
      if (started) print();
    },
  };
}
