/**
 * Errors thrown to Step Functions. Lambda reports `error.name` as the error type, which is what
 * the state machine's Catch matches and what the run summary shows, so each has its own name.
 */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

export class ShardError extends Error {
  override readonly name = 'ShardError';
}

export class FinalizeError extends Error {
  override readonly name = 'FinalizeError';
}

export class MixError extends Error {
  override readonly name = 'MixError';
}

/** The message of anything thrown, for wrapping it in one of the errors above. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
