/** State names, in one place so the local runner, CDK and tests agree. */
export const STATE_NAMES = {
  plan: 'Plan',
  sources: 'Curate sources',
  summarize: 'Summarize',
  recordFailure: 'Record failure',
  failed: 'Run failed',
  map: (stage: string) => `Curate ${stage}`,
  shardTask: (stage: string, fn: string, index: number, count: number) =>
    count === 1
      ? `${cap(fn)} ${stage} shard`
      : `${cap(fn)} ${stage} shard ${index + 1} of ${count}`,
  finalize: (stage: string) => `Finalize ${stage}`,
  hashTask: (stage: string) => `Hash ${stage} shard`,
  dedupPlan: (stage: string) => `Plan dedup ${stage}`,
  resolveMap: (stage: string) => `Resolve duplicates ${stage}`,
  resolveTask: (stage: string) => `Resolve ${stage} partition`,
  filterMap: (stage: string) => `Filter duplicates ${stage}`,
  filterTask: (stage: string) => `Filter ${stage} shard`,
  mix: (stage: string) => `Mix ${stage}`,
  trainSwitch: (stage: string) => `Train ${stage}?`,
  trainConfig: (stage: string) => `Configure ${stage}`,
  train: (stage: string) => `Train ${stage}`,
} as const;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
