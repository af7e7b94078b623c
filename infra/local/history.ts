/**
 * Step Functions' 25,000-event limit on a Standard execution's history: a parent execution
 * that loops or fans out inline past it fails on AWS, so the local run counts the events AWS
 * would record and fails the same way. Per state: entered and exited; a Task adds scheduled,
 * started and succeeded (or failed) per attempt. Distributed Map children are executions of
 * their own, with their own histories.
 */
import type { RunEvent } from './events';

export const HISTORY_EVENT_LIMIT = 25_000;

/** Task-like states: AWS records TaskScheduled, TaskStarted and an outcome per attempt. */
const TASK_EVENTS = 3;

export function historyEventsOf(event: RunEvent): number {
  if (event.type === 'execution') return 1;
  if (event.type !== 'state') return 0;
  const task = event.stateType === 'Task';
  switch (event.phase) {
    case 'entered':
      return 1;
    case 'exited':
      return 1 + (task ? TASK_EVENTS : 0);
    case 'retried':
    case 'failed':
      return task ? TASK_EVENTS : 1;
    default:
      return 0;
  }
}

export function historyLimitCause(count: number): string {
  return `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}): ${count} events. Move repeated work into a Distributed Map (each item runs as a child execution) or start a new execution.`;
}
