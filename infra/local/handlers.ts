/**
 * Which code answers each Lambda function locally: the production handlers, with the shard
 * functions (curate, caption) going through the worker pool built from the pipeline's
 * operators. Tests replace any of them.
 */
import { handler as finalize } from '../../lambdas/handlers/finalize';
import { handler as mix } from '../../lambdas/handlers/mix';
import { handler as plan } from '../../lambdas/handlers/plan';
import { handler as summary } from '../../lambdas/handlers/summary';
import { handler as dedup } from '../../lambdas/handlers/dedup';
import type { DedupEvent } from '../../core/dedup-contracts';
import type { FinalizeEvent, MixEvent, PlanEvent, SummaryEvent } from '../../core/contracts';
import type { LambdaHandler } from './lambda-invoke';
import type { LambdaRole } from './substitute';

export type LambdaHandlers = Partial<Record<LambdaRole, LambdaHandler>>;

/** The handlers validate their events at runtime; the casts only cross the JSON boundary. */
export const PRODUCTION_HANDLERS = {
  plan: (event) => plan(event as unknown as PlanEvent),
  finalize: (event) => finalize(event as unknown as FinalizeEvent),
  mix: (event) => mix(event as unknown as MixEvent),
  summary: (event) => summary(event as unknown as SummaryEvent),
  // Run-scoped dedup: hashing decodes images through sharp's own threads, resolve is memory
  // work; in-process is enough locally (one function on AWS, see docs/dedup.md).
  dedup: (event) => dedup(event as unknown as DedupEvent),
} satisfies LambdaHandlers;

export const SHARD_ROLES: readonly LambdaRole[] = ['download', 'curate', 'caption'];
