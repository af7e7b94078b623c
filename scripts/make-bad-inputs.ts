/**
 * Writes the bad-input corpus (test/fixtures/bad-inputs.ts) to a folder and prints each case
 * with its expected outcome under pairs-basic, and the --param flags that point at its lists.
 *
 *   node --import tsx scripts/make-bad-inputs.ts [dir]     (default: ./bad-inputs)
 *   vlmflow run pairs-basic --local --input <dir>/pairs <printed --param flags>
 */
import * as path from 'node:path';
import { makeBadInputs } from '../test/fixtures/bad-inputs';

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'bad-inputs');
  const corpus = await makeBadInputs(dir);
  console.log(`wrote ${corpus.shard}`);
  for (const c of corpus.cases) {
    const outcome = c.expected === 'kept' ? 'kept' : `${c.expected.op}:${c.expected.reason}`;
    console.log(`  ${c.key.padEnd(16)} ${outcome.padEnd(40)} ${c.what}`);
  }
  const flags = Object.entries(corpus.params).map(([name, uri]) => `--param ${name}=${uri}`);
  console.log(`pairs-basic parameters: ${flags.join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
