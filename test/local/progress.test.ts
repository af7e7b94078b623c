import { createProgressRenderer, ProgressModel, renderBar } from '../../infra/local/progress';
import type { RunEvent } from '../../infra/local/events';

const EVENTS: RunEvent[] = [
  { type: 'execution', phase: 'started', executionName: 'r1' },
  { type: 'state', phase: 'entered', state: 'Plan', stateType: 'Task' },
  { type: 'state', phase: 'entered', state: 'Curate pairs', stateType: 'Task' },
  { type: 'map', state: 'Curate pairs', total: 4, succeeded: 1, failed: 1, running: 2 },
  { type: 'map', state: 'Curate pairs', total: 4, succeeded: 3, failed: 1, running: 0 },
  { type: 'state', phase: 'entered', state: 'Finalize pairs', stateType: 'Task' },
];

describe('progress', () => {
  it('keeps one line per map with a bar and counts, and one for the current state', () => {
    const model = new ProgressModel(() => 0);
    EVENTS.forEach((event) => model.apply(event));
    expect(model.lines()).toEqual([
      'run r1 · elapsed 0:00',
      `Curate pairs ${renderBar(4, 4)} 4/4 shards, 1 failed`,
      '▸ Finalize pairs',
    ]);
    model.apply({
      type: 'execution',
      phase: 'failed',
      executionName: 'r1',
      error: 'States.TaskFailed',
    });
    expect(model.lines()[2]).toBe('✗ r1 failed: States.TaskFailed');
  });

  it('redraws in place on a terminal', () => {
    let out = '';
    const renderer = createProgressRenderer(
      { isTTY: true, columns: 120, write: (text: string) => (out += text) },
      { now: () => 0 },
    );
    renderer.onEvent(EVENTS[3]!);
    renderer.onEvent(EVENTS[4]!);
    // The second draw moves up over the one line drawn before.
    expect(out).toBe(
      `\x1b[2KCurate pairs ${renderBar(2, 4)} 2/4 shards, 1 failed, 2 running · ETA 0:00\n` +
        `\r\x1b[1A\x1b[2KCurate pairs ${renderBar(4, 4)} 4/4 shards, 1 failed\n`,
    );
  });

  it('header, shards done before a resume, samples/s, running counts and ETA', () => {
    let clock = 0;
    const model = new ProgressModel(() => clock, 'demo');
    model.apply({ type: 'execution', phase: 'started', executionName: 'exec' });
    model.apply({
      type: 'plan',
      runId: 'r1',
      runRoot: 'file:///w/runs/demo/r1',
      stages: { pairs: { shards: 10, pending: 6 } },
    });
    model.apply({
      type: 'map',
      state: 'Curate pairs',
      total: 6,
      succeeded: 0,
      failed: 0,
      running: 2,
    });
    clock = 20_000;
    model.apply({ type: 'shard', stage: 'pairs', shard: 's4', in: 100, kept: 80 });
    model.apply({ type: 'shard', stage: 'pairs', shard: 's5', in: 100, kept: 70 });
    model.apply({
      type: 'map',
      state: 'Curate pairs',
      total: 6,
      succeeded: 2,
      failed: 0,
      running: 2,
    });
    expect(model.lines()).toEqual([
      'run r1 of demo · elapsed 0:20',
      `Curate pairs ${renderBar(6, 10)} 6/10 shards (4 done before), 2 running · 200 samples, 10/s · kept 150, rejected 50 · ETA 0:40`,
    ]);
  });

  it('prints plain lines, without escape codes, when the stream is not a terminal', () => {
    let out = '';
    let clock = 0;
    const renderer = createProgressRenderer(
      { isTTY: false, write: (text: string) => (out += text) },
      { now: () => clock, intervalMs: 10_000, pipeline: 'demo' },
    );
    renderer.onEvent({ type: 'execution', phase: 'started', executionName: 'r1' });
    renderer.onEvent({ type: 'plan', runId: 'r1', runRoot: 'file:///w', stages: {} });
    expect(out).toBe('run r1: file:///w\n');
    clock = 5_000;
    renderer.onEvent(EVENTS[3]!);
    expect(out).toBe('run r1: file:///w\n');
    clock = 12_000;
    renderer.onEvent(EVENTS[4]!);
    expect(out).toContain('run r1 of demo · elapsed 0:12\nCurate pairs');
    renderer.finish();
    expect(out).not.toContain('\x1b');
  });

  it('a run that never reached Plan prints nothing when not a terminal', () => {
    let out = '';
    const renderer = createProgressRenderer({ isTTY: false, write: (t: string) => (out += t) });
    EVENTS.forEach(renderer.onEvent);
    renderer.finish();
    expect(out).toBe('');
  });
});
