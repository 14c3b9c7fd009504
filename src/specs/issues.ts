// zod issues → SpecErrors at file:line:col. zod says *what* is wrong and at
// which path; this module says it in the words of a spec author ("missing
// field", "unknown field") and resolves the path to the YAML source.
import type { z } from 'zod';
import { SpecError } from '../shared/errors.ts';
import type { PositionIndex } from './positions.ts';
import { formatFieldPath } from './spec-set.ts';

type Issue = z.core.$ZodIssue & { input?: unknown };

export const SPEC_SCHEMA = 'SPEC_SCHEMA';

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  boolean: 'true or false',
};

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a fraction';
  return `a ${typeof v}`;
}

/** The branch of a failed union that went furthest, or undefined when no branch stands out. */
function bestBranch(branches: Issue[][]): Issue[] | undefined {
  const typeOnly = (b: Issue[]) => b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0;
  const candidates = branches.filter((b) => !typeOnly(b));
  if (candidates.length === 1) return candidates[0];
  const min = Math.min(...candidates.map((b) => b.length));
  const best = candidates.filter((b) => b.length === min);
  return best.length === 1 ? best[0] : undefined;
}

function message(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing required field';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}${
        typeof issue.input === 'object' ? '' : ` ${show(issue.input)}`
      }`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = String(big ? issue.maximum : issue.minimum);
      if (issue.origin === 'array') return `needs ${big ? 'at most' : 'at least'} ${limit} item${limit === '1' ? '' : 's'}`;
      if (issue.origin === 'string') return `must be ${big ? 'at most' : 'at least'} ${limit} characters`;
      // Custom messages (ports, switch ports) already name the allowed range.
      if (!issue.message.startsWith('Too ')) return issue.message;
      return `${show(issue.input)} is ${big ? 'above the maximum' : 'below the minimum'} ${limit}`;
    }
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return issue.message;
      return `${show(issue.input)} is not allowed; expected ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'datetime') return `${show(issue.input)} is not an ISO-8601 date-time with offset (e.g. 2026-01-31T18:00:00Z)`;
      return issue.message.startsWith('Invalid') ? `${show(issue.input)} has the wrong format` : issue.message;
    default:
      return issue.message;
  }
}

export function issuesToErrors(issues: readonly Issue[], index: PositionIndex, base: (string | number)[] = []): SpecError[] {
  const out: SpecError[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const p = [...path, key];
        out.push(new SpecError(SPEC_SCHEMA, index.locate(p, { key: true }).pos, formatFieldPath(p), 'unknown field', { issue: issue.code }));
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const branch = bestBranch(issue.errors as Issue[][]);
      if (branch) {
        out.push(...issuesToErrors(branch, index, path));
        continue;
      }
    }
    out.push(new SpecError(SPEC_SCHEMA, index.at(path), formatFieldPath(path), message(issue), { issue: issue.code }));
  }
  return out;
}
