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
    const model = new ProgressModel();
    EVENTS.forEach((event) => model.apply(event));
    expect(model.lines()).toEqual([
      `Curate pairs ${renderBar(4, 4)} 4/4 shards, 1 failed`,
      '▸ Finalize pairs',
    ]);
    model.apply({
      type: 'execution',
      phase: 'failed',
      executionName: 'r1',
      error: 'States.TaskFailed',
    });
    expect(model.lines()[1]).toBe('✗ r1 failed: States.TaskFailed');
  });

  it('redraws in place on a terminal', () => {
    let out = '';
    const renderer = createProgressRenderer({
      isTTY: true,
      columns: 120,
      write: (text: string) => (out += text),
    });
    renderer.onEvent(EVENTS[3]!);
    renderer.onEvent(EVENTS[4]!);
    // The second draw moves up over the one line drawn before.
    expect(out).toBe(
      `\x1b[2KCurate pairs ${renderBar(2, 4)} 2/4 shards, 1 failed, 2 running\n` +
        `\r\x1b[1A\x1b[2KCurate pairs ${renderBar(4, 4)} 4/4 shards, 1 failed\n`,
    );
  });

  it('writes nothing when the stream is not a terminal', () => {
    let out = '';
    const renderer = createProgressRenderer({
      isTTY: false,
      write: (text: string) => (out += text),
    });
    EVENTS.forEach(renderer.onEvent);
    renderer.finish();
    expect(out).toBe('');
  });
});
