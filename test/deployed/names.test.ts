/**
 * Generated names are checked against the receiving service's rules before any work: a run id
 * Batch refuses fails Plan (not SubmitJob after the curation), as does a shard whose keys pass
 * S3's 1,024 bytes; tags are checked where they are encoded.
 */
import type { PlanEvent } from '../../core/contracts';
import { AWS_NAME_RULES, batchJobName, nameProblem } from '../../core/aws-names';
import { PlanError } from '../../core/errors';
import { compile } from '../../infra/compiler';
import { handler } from '../../lambdas/handlers/plan';
import { encodeTagging } from '../../lambdas/shards/s3-storage';
import { joinUri } from '../../core/uri';
import { goodPair, tempDir, writeShard, type TempDir } from '../handlers/helpers';
import { loadShipped } from './helpers';

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir();
  await writeShard(joinUri(dir.uri, 'web', 'shard-000.tar'), [await goodPair('000000')]);
});
afterAll(() => dir.remove());

function planEvent(input: PlanEvent['input'], extra: Partial<PlanEvent> = {}): PlanEvent {
  return {
    pipeline: 'cauldron',
    definitionHash: 'abc',
    version: '0.1.0',
    dataRoot: joinUri(dir.uri, 'data'),
    input,
    executionName: 'exec-1',
    paramSpecs: {},
    sources: [{ name: 'web', uri: joinUri(dir.uri, 'web'), pattern: '*.tar' }],
    ...extra,
  };
}

describe('names AWS refuses', () => {
  it("refuses a run id with '.' in a pipeline that trains, in Plan, naming Batch's rule", async () => {
    const event = planEvent({ runId: 'r.1' }, { jobNamePrefixes: ['cauldron-connector-'] });
    const planned = handler(event);
    await expect(planned).rejects.toThrow(PlanError);
    await expect(planned).rejects.toThrow(
      'runId: "r.1" cannot name a Batch job: the training job name "cauldron-connector-r.1" is not a valid AWS Batch job name',
    );
  });

  it("keeps '.' in run ids of pipelines that do not train (S3 and Step Functions take it)", async () => {
    await expect(handler(planEvent({ runId: 'r.1' }))).resolves.toMatchObject({ runId: 'r.1' });
  });

  it('compiles the Batch JobName and the prefixes Plan checks from one rule', () => {
    const { pipeline } = loadShipped('pairs-connector');
    const text = JSON.stringify(compile(pipeline.graph).definition);
    expect(text).toContain('"jobNamePrefixes":["pairs-connector-connector-"]');
    expect(text).toContain(`States.Format('pairs-connector-connector-{}', $.runId)`);
    expect(batchJobName('pairs-connector', 'connector', 'x')).toBe('pairs-connector-connector-x');
  });

  it('refuses a shard whose longest key passes 1,024 bytes, naming it', async () => {
    // Folders become part of the shard key (`a/b.tar` → `a_b`); a file name stops at 255 bytes.
    const folders = Array.from({ length: 5 }, (_, i) => `${i}${'x'.repeat(199)}`);
    await writeShard(joinUri(dir.uri, 'long', ...folders, 'shard.tar'), [await goodPair('000001')]);
    const event = planEvent(
      {},
      { sources: [{ name: 'web', uri: joinUri(dir.uri, 'long'), pattern: '**/*.tar' }] },
    );
    await expect(handler(event)).rejects.toThrow(
      /is not a valid S3 object key \(at most 1,024 bytes/,
    );
  });

  it('checks execution names, Map Run labels and tags by their services', () => {
    expect(nameProblem('executionName', 'run 1', 'execution name')).toContain('Step Functions');
    expect(nameProblem('executionName', 'r.1', 'execution name')).toBeUndefined();
    expect(AWS_NAME_RULES.mapRunLabel.check('Curatepairs')).toBe(true);
    expect(AWS_NAME_RULES.mapRunLabel.check('x'.repeat(41))).toBe(false);
    expect(() => encodeTagging({ 'vlmflow:kind': 'rejects' })).not.toThrow();
    expect(() => encodeTagging({ 'bad*key': 'v' })).toThrow(
      'tag key "bad*key" is not a valid S3 object tag key',
    );
  });
});
