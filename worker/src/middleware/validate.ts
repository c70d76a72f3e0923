/**
 * @module
 * zod validation for Hono routes that keeps `hc` type inference and maps every failure to
 * 400 BAD_REQUEST with field-level issues (malformed JSON included).
 */
import { validator } from 'hono/validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors';
import type { FieldIssue } from '../contracts';

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return validator(target, async (value): Promise<z.output<T>> => {
    const result = await schema.safeParseAsync(value);
    if (!result.success) {
      const issues = issuesOf(result.error);
      const first = issues[0];
      throw new AppError('BAD_REQUEST', first ? `Invalid ${target}: ${first.path}: ${first.message}` : `Invalid ${target}`, { issues });
    }
    return result.data;
  });
}
