import type { Command } from 'commander';

/** Commands that talk to AWS (or any endpoint given by AWS_ENDPOINT_URL). */
export function registerAwsCommands(program: Command): void {
  void program;
}
