/**
 * The rules each AWS service applies to the names vlmflow generates, checked before a run does
 * any work (Plan, the local runner as deployed, `vlmflow start`): a run id that S3 takes but
 * Batch refuses must fail in the first state, not at SubmitJob after the curation.
 */
import { rejectsShardUri, segmentShardUri, statsUri, timingsUri, keptShardUri } from './layout';

export interface NameRule {
  readonly service: string;
  readonly check: (value: string) => boolean;
  readonly rule: string;
}

// Characters Step Functions refuses in execution names and Map Run labels (its API reference),
// control characters (U+0000-U+001F, U+007F-U+009F) included.
const SFN_REFUSED = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

export const AWS_NAME_RULES = {
  executionName: {
    service: 'Step Functions execution name',
    check: (v) => v.length >= 1 && v.length <= 80 && !SFN_REFUSED.test(v),
    rule: '1-80 characters, no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /',
  },
  mapRunLabel: {
    service: 'Distributed Map label',
    check: (v) => v.length >= 1 && v.length <= 40 && !SFN_REFUSED.test(v),
    rule: '1-40 characters, no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /',
  },
  batchJobName: {
    service: 'AWS Batch job name',
    check: (v) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(v),
    rule: '1-128 characters from A-Z a-z 0-9 - _, starting with a letter or digit',
  },
  s3Key: {
    service: 'S3 object key',
    check: (v) => v.length > 0 && Buffer.byteLength(v) <= 1024,
    rule: 'at most 1,024 bytes of UTF-8',
  },
  tagKey: {
    service: 'S3 object tag key',
    check: (v) => v.length >= 1 && v.length <= 128 && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(v),
    rule: '1-128 characters: letters, digits, spaces and _ . : / = + - @',
  },
  tagValue: {
    service: 'S3 object tag value',
    check: (v) => v.length <= 256 && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(v),
    rule: 'at most 256 characters: letters, digits, spaces and _ . : / = + - @',
  },
} as const satisfies Record<string, NameRule>;

export type NameKind = keyof typeof AWS_NAME_RULES;

/** A message naming the value, what it is for and the rule it breaks; undefined when valid. */
export function nameProblem(kind: NameKind, value: string, what: string): string | undefined {
  const rule: NameRule = AWS_NAME_RULES[kind];
  if (rule.check(value)) return undefined;
  return `${what} ${JSON.stringify(value)} is not a valid ${rule.service} (${rule.rule})`;
}

/** The Batch job name of a train stage in a run: the compiled Task formats it the same way. */
export function batchJobName(pipeline: string, train: string, runId: string): string {
  return `${batchJobNamePrefix(pipeline, train)}${runId}`;
}

export function batchJobNamePrefix(pipeline: string, train: string): string {
  return `${pipeline}-${train}-`;
}

/** The longest object key a shard of a stage gets under a run root (key part of its URIs). */
export function longestShardKey(runRootKey: string, stage: string, shard: string): string {
  const root = `s3://b/${runRootKey}`;
  const keys = [
    keptShardUri(root, stage, shard),
    rejectsShardUri(root, stage, shard, 99),
    segmentShardUri(root, stage, 99, shard),
    statsUri(root, stage, shard),
    timingsUri(root, stage, shard, 99),
  ].map((uri) => uri.slice('s3://b/'.length));
  return keys.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
}
