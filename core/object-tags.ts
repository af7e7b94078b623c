/**
 * The tag that sorts a run's objects for the data bucket's lifecycle rules
 * (infra/cdk/data-bucket.ts, docs/deploy.md "Lifecycle"). S3 lifecycle filters match a literal
 * key prefix or tags, and the run id sits before `rejects/`, `tmp/` and `manifests/`, so the
 * writers tag what may expire. Untagged objects (kept shards, stats markers, dataset manifests,
 * summaries, timings) are kept until their run folder is deleted.
 *
 * Pure constants: the CDK app imports this file, so it must not pull in the storage layer.
 */

export const OBJECT_KIND_TAG = 'vlmflow:kind';

export const OBJECT_KINDS = {
  /** Rejected samples (`rejects/`): kept for inspection, then expired. */
  rejects: 'rejects',
  /**
   * Read only while the run (or a resume of it) is going: segment outputs and counts under
   * `tmp/`, run-scoped dedup records, markers and drop lists under `dedup/`.
   */
  tmp: 'tmp',
  /** Distributed Map ItemReader manifests and shard lists (`manifests/`). */
  manifest: 'manifest',
} as const;

export type ObjectKind = (typeof OBJECT_KINDS)[keyof typeof OBJECT_KINDS];

/** Write options that tag an object with its kind. */
export function taggedAs(kind: ObjectKind): { readonly tags: Readonly<Record<string, string>> } {
  return { tags: { [OBJECT_KIND_TAG]: kind } };
}
