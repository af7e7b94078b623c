import type { Command } from 'commander';

/** Commands that read a finished or running run: report, cost. */
export function registerReportCommands(program: Command): void {
  void program;
}
