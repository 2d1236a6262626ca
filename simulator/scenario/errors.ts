/**
 * ScenarioError: every problem found in a scenario, each located as `file:line:col path: message` (a
 * TopologyError, so the CLI reports both the same way). Problems that come from a `--set` override are
 * named by the override instead of a line.
 */
import { TopologyError, formatIssue, type TopologyIssue } from '../../topology/errors.ts';

export class ScenarioError extends TopologyError {
  constructor(issues: TopologyIssue[]) {
    super(issues);
    this.name = 'ScenarioError';
    this.message = issues.map(formatScenarioIssue).join('\n');
  }
}

/** Line 0 marks an issue without a line (a `--set` override): `--set a.b=1 a.b: message`. */
export function formatScenarioIssue(i: TopologyIssue): string {
  return i.line === 0 ? `${i.file} ${i.path || '(value)'}: ${i.message}` : formatIssue(i);
}

export function scenarioError(file: string, message: string, path = '', line = 1, col = 1): ScenarioError {
  return new ScenarioError([{ file, line, col, path, message }]);
}
