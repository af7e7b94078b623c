/** Text views of `vlmflow status`: one line per Distributed Map or stage, bars on a terminal. */
import { renderBar } from '../../local/progress';
import type { ExecutionStatus } from './execution-status';
import type { LocalRunStatus } from './local-status';
import { renderCauses } from '../causes';

export function renderExecutionStatus(status: ExecutionStatus, bars: boolean): string[] {
  const lines = [
    `${status.name}: ${status.status}${status.startDate ? ` (started ${status.startDate})` : ''}`,
  ];
  for (const run of status.mapRuns) {
    const done = run.succeeded + run.failed;
    const bar = bars ? `${renderBar(done, run.total)} ` : '';
    lines.push(
      `  ${run.label} ${bar}${run.succeeded} succeeded, ${run.failed} failed, ${run.running} running, ${run.pending} pending of ${run.total} shards (${run.status})`,
    );
  }
  // The raw cause (a Batch job's DescribeJobs JSON) is in --json; the words are below.
  if (status.causes) {
    if (status.error !== undefined) lines.push(`  error: ${status.error}`);
    lines.push(...renderCauses({ causes: status.causes }));
  } else if (status.error !== undefined)
    lines.push(`  error: ${status.error}: ${status.cause ?? ''}`);
  return lines;
}

export function renderLocalStatus(status: LocalRunStatus, bars: boolean): string[] {
  const lines = [`${status.runFolder}: ${status.status}`];
  for (const stage of status.stages) {
    const bar = bars ? `${renderBar(stage.done, stage.total)} ` : '';
    lines.push(
      `  ${stage.stage} ${bar}${stage.done}/${stage.total} shards done; in ${stage.in}, kept ${stage.kept}, rejected ${stage.rejected}`,
    );
  }
  if (status.summary?.error)
    lines.push(`  error: ${status.summary.error.error}: ${status.summary.error.cause}`);
  lines.push(...renderCauses(status.summary));
  return lines;
}
