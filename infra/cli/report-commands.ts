import type { Command } from 'commander';
import {
  formatCostTable,
  formatModelTimings,
  formatPerMillion,
  loadPrices,
  resolveCostEstimate,
  resolvePerMillion,
} from './cost-command';
import { writeRunReport } from '../../lambdas/report';
import { normaliseUri, toFilePath } from '../../core/uri';

/** Commands that read a finished or running run: report, cost. */
export function registerReportCommands(program: Command): void {
  program
    .command('report <run>')
    .description(
      'write a self-contained HTML report into <run>/report/index.html (a run folder or s3://…/runs/<pipeline>/<runId>)',
    )
    .option('--prices <file>', 'price file for the cost estimate (default: the dated one shipped)')
    .action(async (run: string, flags: { prices?: string }) => {
      const runRoot = normaliseUri(run);
      const uri = await writeRunReport(runRoot, {
        ...(flags.prices ? { prices: await loadPrices(flags.prices) } : {}),
      });
      console.log(uri.startsWith('file://') ? toFilePath(uri) : uri);
    });

  program
    .command('cost <run-or-pipeline>')
    .description(
      'estimate what a run cost on AWS from its stats, or (with a pipeline name and --samples N) project it from a measured run',
    )
    .option('--samples <n>', 'project to N input samples', (v) => parseSamples(v))
    .option(
      '--shard-size <n>',
      'samples per shard in the projection (default: the measured run’s)',
      (v) => parseSamples(v),
    )
    .option('--workdir <dir>', 'data root holding runs/<pipeline>/ (for a pipeline name)', 'work')
    .option('--from <run>', 'the measured run to project from (default: the largest succeeded run)')
    .option('--prices <file>', 'price file (default: the dated one shipped)')
    .option(
      '--model <op=preset|run>',
      "price an operator with a real model's time per sample: a preset of the price file (e.g. model.clip_score=clip-vit-base-patch32) or a run that used the model (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--json', 'print the estimate as JSON')
    .option(
      '--per-million',
      'dollars per million images on Lambda from the run’s measured CPU time, beside img2dataset on EC2',
    )
    .action(
      async (
        target: string,
        flags: {
          samples?: number;
          shardSize?: number;
          workdir: string;
          from?: string;
          prices?: string;
          json?: boolean;
          perMillion?: boolean;
          model: string[];
        },
      ) => {
        if (flags.perMillion) {
          const { comparison, runRoot } = await resolvePerMillion(target, flags);
          if (flags.json) return void console.log(JSON.stringify({ runRoot, ...comparison }));
          return void console.log(formatPerMillion(comparison, runRoot));
        }
        const cost = await resolveCostEstimate(target, flags);
        const { estimate, runRoot, modelTimings } = cost;
        if (flags.json)
          return void console.log(JSON.stringify({ runRoot, ...estimate, modelTimings }, null, 2));
        console.log([formatCostTable(estimate, runRoot), ...formatModelTimings(cost)].join('\n'));
      },
    );
}

function parseSamples(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--samples: expected a positive integer, got "${value}"`);
  return n;
}
