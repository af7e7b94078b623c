/** Failure causes as text lines, shared by `run` and `status`. */
import type { FailureCause, RunSummary } from '../../core/contracts';

/** Causes listed in plain output; --json and summary.json carry all of them. */
const SHOWN = 3;

/** The summary's causes, less one that only repeats its `error` line. */
export function renderCauses(summary: Pick<RunSummary, 'causes' | 'error'> | undefined): string[] {
  const causes = (summary?.causes ?? []).filter(
    (c) => !(c.message === summary?.error?.cause && c.stage === undefined && !c.logTail),
  );
  if (causes.length === 0) return [];
  const lines: string[] = [];
  causes.slice(0, SHOWN).forEach((cause, index) => {
    lines.push(`  ${index === 0 ? 'first cause' : 'also'}: ${placeOf(cause)}${cause.message}`);
    for (const line of cause.logTail ?? []) lines.push(`    | ${line}`);
  });
  if (causes.length > SHOWN) lines.push(`  (${causes.length - SHOWN} more causes in summary.json)`);
  return lines;
}

function placeOf(cause: FailureCause): string {
  const where = [
    cause.stage && `stage ${cause.stage}`,
    cause.shard && `shard ${cause.shard}`,
  ].filter(Boolean);
  return where.length > 0 ? `[${where.join(', ')}] ` : '';
}
