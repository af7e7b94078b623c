/**
 * What `vlmflow run` keeps about the run it drives: its id (the CLI's, or Plan's once a new run
 * was written), the process marker that tells `status` a killed run from a running one, and
 * Ctrl-C, which names the run to resume before the process exits.
 */
import type { RunEvent } from '../local/events';
import { parseUri } from '../../core/uri';
import { markRunning } from './local-runs';

export interface RunTracker {
  readonly onEvent: (event: RunEvent) => void;
  /** Unmarks the run and stops listening for Ctrl-C. */
  stop(): void;
}

export function trackRun(pipeline: string, write: (line: string) => void): RunTracker {
  let runId: string | undefined;
  let unmark: (() => void) | undefined;
  const onInterrupt = (): void => {
    unmark?.();
    write(
      runId
        ? `\nvlmflow: interrupted; run ${runId} of ${pipeline} stopped. Resume it: vlmflow run ${pipeline} --local --run-id ${runId} (same flags)`
        : `\nvlmflow: interrupted before the run started`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  return {
    onEvent: (event) => {
      if (event.type === 'execution' && event.phase === 'started') runId ??= event.executionName;
      if (event.type === 'plan') {
        runId = event.runId;
        const parsed = parseUri(event.runRoot);
        if (parsed.scheme === 'file') unmark = markRunning(parsed.path);
      }
    },
    stop: () => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      unmark?.();
    },
  };
}
