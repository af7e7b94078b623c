/**
 * Whether the GPU instance types a stack may launch can hold its largest train stage: Batch
 * leaves a job that fits no allowed instance RUNNABLE for ever (the queue's time-limit action
 * then cancels it), so synth says so first. Sizes from the EC2 instance-type pages (vCPUs,
 * memory GiB, GPUs); hand-written because the EC2 API needs an account at synth and no
 * offline package carries these numbers.
 */
type Size = readonly [name: string, vcpus: number, memoryGiB: number, gpus: number];

const FAMILIES: Readonly<Record<string, readonly Size[]>> = {
  g4dn: [
    ['xlarge', 4, 16, 1],
    ['2xlarge', 8, 32, 1],
    ['4xlarge', 16, 64, 1],
    ['8xlarge', 32, 128, 1],
    ['16xlarge', 64, 256, 1],
    ['12xlarge', 48, 192, 4],
    ['metal', 96, 384, 8],
  ],
  g5: [
    ['xlarge', 4, 16, 1],
    ['2xlarge', 8, 32, 1],
    ['4xlarge', 16, 64, 1],
    ['8xlarge', 32, 128, 1],
    ['16xlarge', 64, 256, 1],
    ['12xlarge', 48, 192, 4],
    ['24xlarge', 96, 384, 4],
    ['48xlarge', 192, 768, 8],
  ],
  g6: [
    ['xlarge', 4, 16, 1],
    ['2xlarge', 8, 32, 1],
    ['4xlarge', 16, 64, 1],
    ['8xlarge', 32, 128, 1],
    ['16xlarge', 64, 256, 1],
    ['12xlarge', 48, 192, 4],
    ['24xlarge', 96, 384, 4],
    ['48xlarge', 192, 768, 8],
  ],
  g6e: [
    ['xlarge', 4, 32, 1],
    ['2xlarge', 8, 64, 1],
    ['4xlarge', 16, 128, 1],
    ['8xlarge', 32, 256, 1],
    ['16xlarge', 64, 512, 1],
    ['12xlarge', 48, 384, 4],
    ['24xlarge', 96, 768, 4],
    ['48xlarge', 192, 1536, 8],
  ],
  p3: [
    ['2xlarge', 8, 61, 1],
    ['8xlarge', 32, 244, 4],
    ['16xlarge', 64, 488, 8],
  ],
  p4d: [['24xlarge', 96, 1152, 8]],
  p5: [['48xlarge', 192, 2048, 8]],
};

/**
 * Share of an instance's memory a job may ask for: the ECS agent and the OS keep the rest
 * (Batch's "memory management" guide: a job asking for all of it never starts).
 */
const USABLE_MEMORY = 0.95;

export interface JobNeeds {
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly gpus: number;
}

/** The instance types a name stands for (`g5` → every g5 size), or undefined if unknown. */
export function instanceTypesOf(name: string): { type: string; size: Size }[] | undefined {
  const [family = '', sizeName] = name.split('.');
  const sizes = FAMILIES[family];
  if (!sizes) return undefined;
  const picked = sizeName ? sizes.filter(([s]) => s === sizeName) : sizes;
  return picked.length > 0
    ? picked.map((size) => ({ type: `${family}.${size[0]}`, size }))
    : undefined;
}

function fits([, vcpus, memoryGiB, gpus]: Size, needs: JobNeeds): boolean {
  return (
    vcpus >= needs.vcpus &&
    memoryGiB * 1024 * USABLE_MEMORY >= needs.memoryMiB &&
    gpus >= needs.gpus
  );
}

/**
 * A message when none of the allowed instance types can run the job; types this table does
 * not know are trusted (they may be newer than it).
 */
export function instanceFitProblem(names: readonly string[], needs: JobNeeds): string | undefined {
  const known = names.map((name) => ({ name, types: instanceTypesOf(name) }));
  if (known.some(({ types }) => types === undefined)) return undefined;
  const all = known.flatMap(({ types }) => types ?? []);
  if (all.some(({ size }) => fits(size, needs))) return undefined;
  const largest = all
    .map(({ type, size: [, v, m, g] }) => `${type} (${v} vCPUs, ${m} GiB, ${g} GPU)`)
    .join(', ');
  return (
    `no allowed GPU instance type can run the largest train stage (${needs.vcpus} vCPUs, ` +
    `${needs.memoryMiB} MiB, ${needs.gpus} GPU; jobs get ${USABLE_MEMORY * 100}% of an instance's memory): ` +
    `${largest}; allow a larger type with -c vlmflow:gpuInstanceTypes=… or lower the stage's needs`
  );
}

/** The smallest allowed instance type (by vCPUs) that can run the job, if this table knows one. */
export function smallestFit(
  names: readonly string[],
  needs: JobNeeds,
): { readonly type: string; readonly vcpus: number } | undefined {
  const fitting = names
    .flatMap((name) => instanceTypesOf(name) ?? [])
    .filter(({ size }) => fits(size, needs))
    .sort((a, b) => a.size[1] - b.size[1]);
  const [first] = fitting;
  return first ? { type: first.type, vcpus: first.size[1] } : undefined;
}
