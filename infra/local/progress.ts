/**
 * A terminal progress display for local runs: one line per Distributed Map (a bar with shards
 * done, failed and running), one per Batch job, and one for the state the run is in, redrawn
 * in place. Silent when the stream is not a terminal (CI logs, `--json` output piped away).
 */
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

const BAR_WIDTH = 24;

export function renderBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Folds run events into the lines to show; exported for tests. */
export class ProgressModel {
  private readonly byKey = new Map<string, string>();
  private current = '';

  apply(event: RunEvent): void {
    if (event.type === 'map') {
      const done = event.succeeded + event.failed;
      const failed = event.failed > 0 ? `, ${event.failed} failed` : '';
      const running = event.running > 0 ? `, ${event.running} running` : '';
      this.byKey.set(
        `map:${event.state}`,
        `${event.state} ${renderBar(done, event.total)} ${done}/${event.total} shards${failed}${running}`,
      );
    } else if (event.type === 'batch') {
      this.byKey.set(`batch:${event.jobId}`, `${event.jobName}: running, log ${event.logFile}`);
    } else if (event.type === 'state' && event.phase === 'entered') {
      this.current = `▸ ${event.state}`;
    } else if (event.type === 'state' && (event.phase === 'failed' || event.phase === 'retried')) {
      this.current = `▸ ${event.state}: ${event.phase}${event.error ? ` (${event.error})` : ''}`;
    } else if (event.type === 'execution' && event.phase !== 'started') {
      this.current =
        event.phase === 'succeeded'
          ? `✓ ${event.executionName} succeeded`
          : `✗ ${event.executionName} failed: ${event.error ?? ''}`;
    }
  }

  lines(): string[] {
    return [...this.byKey.values(), ...(this.current ? [this.current] : [])];
  }
}

export function createProgressRenderer(stream: ProgressStream = process.stdout): ProgressRenderer {
  if (!stream.isTTY) return { onEvent: () => {}, finish: () => {} };
  const model = new ProgressModel();
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
