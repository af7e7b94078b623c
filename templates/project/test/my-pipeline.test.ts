/**
 * The project's tests (`npm test`: Node's test runner through tsx): the custom operator on
 * hand-made samples, and the whole pipeline run locally on the sample data with the vlmflow
 * command, as `npm run sample` runs it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Sample } from 'vlmflow';
import { captionBlocklist } from '../operators/caption-blocklist';

const projectRoot = path.resolve(__dirname, '..');
const sample = (caption: string): Sample => ({ key: 'a', parts: { txt: Buffer.from(caption) } });

test('the blocklist rejects a caption with a blocked word, in any case, and keeps the others', async () => {
  const params = captionBlocklist.params.parse({ words: ['watermark'] });
  const blocklist = await captionBlocklist.create(params, { runRoot: '', shardKey: 'test' });
  assert.deepEqual(await blocklist.process(sample('Stock picture with a WATERMARK')), {
    keep: false,
    reason: 'blocked_word',
    detail: 'watermark',
  });
  const kept = sample('A blue gradient with fine grain');
  assert.deepEqual(await blocklist.process(kept), { keep: true, sample: kept });
});

test('the pipeline runs on the sample data: every sample kept or rejected with a reason', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'my-pipeline-test-'));
  try {
    const vlmflow = path.join(projectRoot, 'node_modules', '.bin', 'vlmflow');
    const args = ['run', 'my-pipeline', '--local', '--input', 'sample-data/pairs'];
    const stdout = execFileSync(vlmflow, [...args, '--workdir', workdir, '--json'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    const summary = JSON.parse(stdout) as {
      status: string;
      stages: Record<string, { in: number; kept: number; rejected: Record<string, number> }>;
    };
    assert.equal(summary.status, 'SUCCEEDED');
    const pairs = summary.stages.pairs;
    assert.ok(pairs && pairs.kept > 0);
    const rejected = Object.values(pairs.rejected).reduce((a, b) => a + b, 0);
    assert.equal(pairs.kept + rejected, pairs.in);
    assert.equal(pairs.rejected['project.caption-blocklist:blocked_word'], 1);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
});
