/**
 * Writes generated image–text shards (see test/fixtures/sample-shards.ts) for demos and tests.
 *
 *   node --import tsx scripts/make-sample-shards.ts --out work/sample-shards --shards 8 --samples 48 --seed 0
 */
import { Command, InvalidArgumentError } from 'commander';
import { makeSampleShards } from '../test/fixtures/sample-shards';

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command('make-sample-shards')
  .description(
    'Write WebDataset shards of photo-like images and captions, some meant to be rejected',
  )
  .requiredOption('--out <dir>', 'folder to write pairs-000000.tar … into')
  .option('--shards <n>', 'number of shards', nonNegativeInteger, 8)
  .option('--samples <n>', 'samples per shard', nonNegativeInteger, 48)
  .option('--seed <n>', 'seed; the same seed gives the same bytes', nonNegativeInteger, 0)
  .option(
    '--no-broken',
    'leave out corrupt, empty, non-image, image-less and invalid UTF-8 samples',
  )
  .action(
    async (opts: {
      out: string;
      shards: number;
      samples: number;
      seed: number;
      broken: boolean;
    }) => {
      const started = performance.now();
      const info = await makeSampleShards(opts.out, {
        shards: opts.shards,
        samplesPerShard: opts.samples,
        seed: opts.seed,
        broken: opts.broken,
      });
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        out: opts.out,
        shards: info.paths.length,
        samples: info.samples,
        kinds: info.kinds,
        seconds: Number(seconds.toFixed(2)),
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
