/** The 25,000-event history of a Standard execution: a parent that loops past it fails as on AWS. */
import { runLocal } from '../../infra/local/runner';
import { HISTORY_EVENT_LIMIT, historyEventsOf } from '../../infra/local/history';

describe('history event limit', () => {
  it('counts what AWS records: 2 per state, 3 more per Task attempt', () => {
    const state = (phase: 'entered' | 'exited' | 'retried', stateType: string) =>
      historyEventsOf({ type: 'state', phase, state: 's', stateType });
    expect(state('entered', 'Pass') + state('exited', 'Pass')).toBe(2);
    expect(state('entered', 'Task') + state('exited', 'Task')).toBe(5);
    expect(state('retried', 'Task')).toBe(3);
  });

  it('fails an execution that loops past 25,000 events with States.Runtime', async () => {
    const definition = {
      StartAt: 'Count',
      States: {
        Count: {
          Type: 'Pass',
          Parameters: { 'n.$': 'States.MathAdd($.n, 1)' },
          Next: 'More',
        },
        More: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericLessThan: 20_000, Next: 'Count' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };
    const result = await runLocal({
      definition,
      pipeline: { name: 'loop', operators: [] },
      dataRoot: '/tmp/vlmflow-history-test',
      input: { n: 0 },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('States.Runtime');
    expect(result.error?.Cause).toContain(
      `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT})`,
    );
  }, 120_000);
});
