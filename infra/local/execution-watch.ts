/**
 * Follows a local execution's event log: forwards each state event, and stops the execution as
 * AWS would when a state's input or output passes 256 KB (lambda-invoke.ts checks the tasks
 * inside Distributed Maps) or the history passes its event limit.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { executionFailure, type ErrorInfo } from './errors';
import { stateEventFrom, type RunEvent } from './events';
import { HISTORY_EVENT_LIMIT, historyEventsOf, historyLimitCause } from './history';
import { assertWithinDataLimit } from './lambda-invoke';

type Execution = ReturnType<StateMachine['run']>;

export interface ExecutionWatch {
  /** Resolves once the event log has ended. */
  readonly done: Promise<void>;
  /** Why the watch stopped the execution, if it did. */
  failure(): ErrorInfo | undefined;
}

export function watchExecution(
  execution: Execution,
  emit: (event: RunEvent) => void,
): ExecutionWatch {
  let failure: ErrorInfo | undefined;
  let historyEvents = 2; // ExecutionStarted, and its end
  const done = (async () => {
    for await (const entry of execution.eventLogs) {
      if ((entry.type === 'StateEntered' || entry.type === 'StateExited') && !failure) {
        const phase = entry.type === 'StateEntered' ? 'input' : 'output';
        try {
          assertWithinDataLimit(entry.state[phase], `The ${phase} of state '${entry.state.name}'`);
        } catch (error) {
          failure = executionFailure(error);
          execution.abort();
        }
      }
      const event = stateEventFrom(entry);
      if (event) {
        historyEvents += historyEventsOf(event);
        if (historyEvents > HISTORY_EVENT_LIMIT && !failure) {
          failure = { Error: 'States.Runtime', Cause: historyLimitCause(historyEvents) };
          execution.abort();
        }
        emit(event);
      }
    }
  })();
  return { done, failure: () => failure };
}
