import { compile, STATE_NAMES } from '../../infra/compiler';
import type { DistributedMapState, ParallelState, TaskState } from '../../infra/compiler/asl';
import pairsBasic from '../../pipelines/pairs-basic';
import twoSources from '../fixtures/pipelines/two-sources';

describe('compiled state machine', () => {
  const pairs = compile(pairsBasic.graph).definition;
  const map = pairs.States[STATE_NAMES.map('pairs')] as DistributedMapState;

  it('runs Plan, one Distributed Map over the manifest, Finalize, Summarize', () => {
    expect(pairs.StartAt).toBe('Plan');
    expect((pairs.States.Plan as TaskState).Next).toBe('Curate pairs');
    expect(map.Next).toBe('Finalize pairs');
    expect((pairs.States['Finalize pairs'] as TaskState).Next).toBe('Summarize');
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.ItemReader.Parameters).toEqual({
      'Bucket.$': '$.stages.pairs.manifest.Bucket',
      'Key.$': '$.stages.pairs.manifest.Key',
    });
    expect(map.MaxConcurrencyPath).toBe('$.params.maxConcurrency');
    expect(map.ToleratedFailurePercentagePath).toBe('$.params.toleratedFailurePercentage');
    expect(map.ResultWriter.Parameters['Prefix.$']).toBe('$.stages.pairs.results.Prefix');
  });

  it('fuses consecutive curate operators into one task', () => {
    const tasks = Object.values(map.ItemProcessor.States) as TaskState[];
    expect(tasks).toHaveLength(1);
    const segments = map.ItemSelector.segments as { fn: string; ops: { op: string }[] }[];
    expect(segments.map((s) => [s.fn, s.ops.map((o) => o.op)])).toEqual([
      [
        'curate',
        [
          'optout',
          'image.decode',
          'image.size',
          'text.utf8',
          'text.length',
          'text.repetition',
          'text.special_chars',
          'text.flagged_words',
          'dedup.exact',
          'image.resize',
          'dedup.phash',
        ],
      ],
    ]);
  });

  it('retries Lambda service errors with backoff and full jitter, and catches every failure', () => {
    const task = Object.values(map.ItemProcessor.States)[0] as TaskState;
    expect(task.Retry?.[0]).toMatchObject({
      ErrorEquals: expect.arrayContaining([
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
      ]),
      BackoffRate: 2,
      JitterStrategy: 'FULL',
    });
    for (const name of ['Plan', 'Curate pairs', 'Finalize pairs']) {
      expect((pairs.States[name] as TaskState).Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' },
      ]);
    }
    expect(pairs.States['Record failure']).toMatchObject({ Next: 'Run failed' });
    expect(pairs.States['Run failed']).toMatchObject({
      Type: 'Fail',
      CausePath: '$.failure.Cause',
    });
  });

  it('puts several sources in a Parallel state, then Mix and a Batch training job', () => {
    const def = compile(twoSources.graph).definition;
    const parallel = def.States[STATE_NAMES.sources] as ParallelState;
    expect(parallel.Branches.map((b) => b.StartAt)).toEqual(['Curate web', 'Curate docs']);
    expect(parallel.ResultSelector).toEqual({ 'web.$': '$[0]', 'docs.$': '$[1]' });
    expect(parallel.Next).toBe('Mix mixture');
    const mix = def.States['Mix mixture'] as TaskState;
    expect((mix.Parameters.Payload as { inputs: unknown }).inputs).toEqual([
      {
        dataset: 'web',
        'manifestUri.$': '$.datasets.web.manifestUri',
        weight: { $param: 'webWeight' },
      },
      { dataset: 'docs', 'manifestUri.$': '$.datasets.docs.manifestUri', weight: 0.3 },
    ]);
    const train = def.States['Train connector'] as TaskState;
    expect(train.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(train.Parameters.JobQueue).toBe('${TrainJobQueueArn}');
    expect(JSON.stringify(train.Parameters.ContainerOverrides)).toContain(
      '{"Type":"GPU","Value":"1"}',
    );
    expect(
      String((train.Parameters.ContainerOverrides as Record<string, unknown>)['Command.$']),
    ).toContain("'resampler.train', '--manifest', $.datasets.mixture.manifestUri");
  });

  it('switches training off with a boolean parameter and resolves config parameters', () => {
    const def = compile(twoSources.graph).definition;
    expect((def.States['Mix mixture'] as TaskState).Next).toBe('Train connector?');
    expect(def.States['Train connector?']).toEqual({
      Type: 'Choice',
      Comment: 'Train "connector" unless params.train is false',
      Choices: [{ Variable: '$.params.train', BooleanEquals: false, Next: 'Summarize' }],
      Default: 'Configure connector',
    });
    expect(def.States['Configure connector']).toMatchObject({
      Parameters: { config: { 'steps.$': '$.params.steps', lr: 1e-4 } },
      ResultPath: '$.trainConfigs.connector',
    });
  });

  it('lists the placeholders it needs', () => {
    expect(compile(pairsBasic.graph).substitutions).toEqual([
      'PlanFunctionArn',
      'CurateFunctionArn',
      'FinalizeFunctionArn',
      'SummaryFunctionArn',
      'DataRoot',
    ]);
    expect(compile(twoSources.graph).substitutions).toContain('TrainJobDefinitionArn');
  });
});
