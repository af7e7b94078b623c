/**
 * The one Distributed Map renderer: every map of a compiled machine (a stage's shards, a dedup's
 * hash partitions) is an ItemReader over a JSON manifest, an ItemSelector, an item processor, a
 * concurrency from the run's parameters and a ResultWriter, all read from one JSONPath object
 * that Plan (or the dedup plan) wrote. What it cannot express it returns as a problem; it never
 * renames or drops anything.
 */
import type { Catcher, DistributedMapState, JsonObject, State, Transition } from './asl';
import { AWS_NAME_RULES } from '../../core/aws-names';

/** A rendered piece of ASL with what keeps it from being valid as given. */
export interface Rendered<T> {
  readonly state: T;
  readonly problems: readonly string[];
}

export interface DistributedMapSpec {
  readonly comment: string;
  /** The Map Run's label (`Curate<stage>`): names the Map Run in the console and in ARNs. */
  readonly label: string;
  /** JSONPath of the object holding `manifest` ({Bucket, Key}) and `results` ({Bucket, Prefix}). */
  readonly from: string;
  readonly itemSelector: JsonObject;
  readonly startAt: string;
  readonly states: Readonly<Record<string, State>>;
  /** Share of items allowed to fail: a run parameter's path, or a fixed percentage. */
  readonly toleratedFailure: { readonly path: string } | { readonly percentage: number };
  readonly resultPath: string;
  readonly catchers: readonly Catcher[];
  readonly transition: Transition;
}

export function labelProblem(label: string): string | undefined {
  // Step Functions' rule for Map Run labels, shared with the other names checked (aws-names.ts).
  return AWS_NAME_RULES.mapRunLabel.check(label)
    ? undefined
    : `Map Run label ${JSON.stringify(label)} is not 1-40 characters without whitespace, brackets, wildcards or " # % \\ ^ | ~ \` $ & , ; : / (shorten the stage name)`;
}

export function renderDistributedMap(spec: DistributedMapSpec): Rendered<DistributedMapState> {
  const problem = labelProblem(spec.label);
  return {
    problems: problem ? [problem] : [],
    state: {
      Type: 'Map',
      Comment: spec.comment,
      Label: spec.label,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: {
          'Bucket.$': `${spec.from}.manifest.Bucket`,
          'Key.$': `${spec.from}.manifest.Key`,
        },
      },
      ItemSelector: spec.itemSelector,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: spec.startAt,
        States: spec.states,
      },
      MaxConcurrencyPath: '$.params.maxConcurrency',
      ...('path' in spec.toleratedFailure
        ? { ToleratedFailurePercentagePath: spec.toleratedFailure.path }
        : { ToleratedFailurePercentage: spec.toleratedFailure.percentage }),
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: {
          'Bucket.$': `${spec.from}.results.Bucket`,
          'Prefix.$': `${spec.from}.results.Prefix`,
        },
      },
      ResultPath: spec.resultPath,
      ...(spec.catchers.length > 0 ? { Catch: spec.catchers } : {}),
      ...spec.transition,
    },
  };
}
