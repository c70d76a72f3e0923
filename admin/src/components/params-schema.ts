/**
 * @module
 * The pure side of the params form: the JSON Schema subset we render (zod's `toJSONSchema`
 * output for job kinds), defaults for a fresh form, and mapping server issues to form paths.
 */

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
}

/** Field errors by dotted path relative to the params object ('' = the whole form). */
export type FieldErrors = Record<string, string>;

type Obj = Record<string, unknown>;

/**
 * Whether the field at `path` (e.g. `targets.0.token`) is one of the kind's declared secret
 * params (`targets.token`: declared paths walk arrays, so indexes are left out).
 */
export function isSecretField(path: string, secretParams: readonly string[]): boolean {
  const schemaPath = path
    .split('.')
    .filter((seg) => !/^\d+$/.test(seg))
    .join('.');
  return secretParams.includes(schemaPath);
}

/** The single JSON type a schema node renders as (`null` in a type union is ignored). */
export function typeOf(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  return t ?? (s.properties ? 'object' : 'string');
}

export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** Initial params: each property's default (arrays start empty), so the form shows what the server will assume. */
export function initialValue(schema: JsonSchema): Obj {
  const out: Obj = {};
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    if (s.default !== undefined) out[k] = structuredClone(s.default);
    else if (typeOf(s) === 'array') out[k] = [];
  }
  return out;
}

/**
 * Maps server issues to form paths: `params.ssh.0.host` → `ssh.0.host`, `params` → '' (form level),
 * anything outside params (e.g. `tags.0`) → `@tags.0`, for the caller's own fields.
 */
export function fieldErrorsFrom(issues: { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const path = i.path === 'params' || i.path === '(root)' ? '' : i.path.startsWith('params.') ? i.path.slice(7) : `@${i.path}`;
    out[path] ??= i.message;
  }
  return out;
}
