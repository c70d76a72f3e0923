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
  const?: unknown;
  /** Alternatives (zod unions): one of them applies, told apart by a `const` property. */
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

/** The alternatives of a union node, or undefined for any other node. */
export function unionVariants(s: JsonSchema): JsonSchema[] | undefined {
  const v = s.oneOf ?? s.anyOf;
  return v && v.length > 0 ? v : undefined;
}

/**
 * The property every alternative fixes to its own constant (`mode: "template" | "hcl"`), which
 * the form shows as a choice; undefined when there is none.
 */
export function unionDiscriminator(variants: JsonSchema[]): string | undefined {
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined));
}

/** Index of the alternative `value` is in (by the discriminator), 0 when it is none of them. */
export function variantIndex(variants: JsonSchema[], key: string | undefined, value: unknown): number {
  if (!key || !value || typeof value !== 'object') return 0;
  const i = variants.findIndex((v) => v.properties?.[key]?.const === (value as Obj)[key]);
  return Math.max(0, i);
}

/** A fresh value for alternative `variant`: its defaults plus its discriminator constant. */
export function initialVariant(variant: JsonSchema, key: string | undefined): Obj {
  const out = initialValue(variant);
  if (key) out[key] = variant.properties?.[key]?.const;
  return out;
}

/** Long free text (a jobspec, a script) gets a text area rather than a one-line input. */
export function isLongText(s: JsonSchema): boolean {
  return (s.maxLength ?? 0) > 4096;
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
  if (unionVariants(s)) return 'union';
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
    const variants = unionVariants(s);
    if (s.default !== undefined) out[k] = structuredClone(s.default);
    else if (typeOf(s) === 'array') out[k] = [];
    // A required choice starts at its first alternative, so the form sends a complete value.
    else if (variants && schema.required?.includes(k)) out[k] = initialVariant(variants[0] as JsonSchema, unionDiscriminator(variants));
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
