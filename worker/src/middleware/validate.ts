/**
 * @module
 * zod validation for Hono routes that keeps `hc` type inference and maps every failure to
 * 400 BAD_REQUEST with field-level issues in plain words ("Host is required.", see
 * contracts/issues.ts), malformed JSON included.
 */
import { validator, type InferInput } from 'hono/validator';
import type { Env, MiddlewareHandler, ValidationTargets } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors';
import { fieldIssuesOf, humanError, summaryOf } from '../contracts/issues';

/**
 * What a client may send for a target: the schema's *input* type (defaults optional,
 * coercible fields as strings in query/param), as @hono/zod-validator types it, so `hc`
 * callers are not asked for values the server fills in itself.
 */
type ValidatedInput<T extends z.ZodType, Target extends keyof ValidationTargets> = {
  in: { [K in Target]: K extends 'json' ? z.input<T> : InferInput<z.input<T>, K> };
  out: { [K in Target]: z.output<T> };
};

export function validate<T extends z.ZodType, Target extends keyof ValidationTargets, E extends Env = Env, P extends string = string>(
  target: Target,
  schema: T,
): MiddlewareHandler<E, P, ValidatedInput<T, Target>> {
  const mw = validator(target, async (value): Promise<z.output<T>> => {
    const result = await schema.safeParseAsync(value, { error: humanError });
    if (!result.success) {
      const issues = fieldIssuesOf(result.error);
      throw new AppError('BAD_REQUEST', summaryOf(issues), { issues });
    }
    return result.data;
  });
  return mw as unknown as MiddlewareHandler<E, P, ValidatedInput<T, Target>>;
}
