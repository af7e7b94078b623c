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

/**
 * An operator threw on some samples. The message is the only part of an error that crosses
 * Lambda's boundary ({errorType, errorMessage}), so its shape is fixed here and read back by
 * parseOperatorFailure for the run summary's causes.
 */
export function operatorFailure(
  op: string,
  sampleKeys: readonly string[],
  error: unknown,
): ShardError {
  const samples =
    sampleKeys.length === 1
      ? `sample "${sampleKeys[0]}"`
      : `samples ${sampleKeys.map((key) => `"${key}"`).join(', ')}`;
  return new ShardError(`operator ${op} failed on ${samples}: ${messageOf(error)}`, {
    cause: error,
  });
}

/** The operator and first sample key named by an operatorFailure message, if it is one. */
export function parseOperatorFailure(
  message: string,
): { readonly operator: string; readonly sample: string } | undefined {
  const match = /^operator (\S+) failed on samples? "([^"]*)"/.exec(message);
  return match ? { operator: match[1]!, sample: match[2]! } : undefined;
}

/** The message of anything thrown, for wrapping it in one of the errors above. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
