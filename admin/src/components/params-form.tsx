/**
 * @module
 * A form generated from a job kind's params JSON Schema (what `GET /api/job-kinds` returns,
 * zod's `toJSONSchema` output): strings, numbers/integers, booleans, enums, arrays of strings
 * (comma separated), arrays of objects (rows with add/remove) and nested objects. Field errors
 * come from the server (`issues[].path` like `params.ssh.0.host`) and are shown next to the
 * field they name; the server, not the browser, is the judge of validity. Inputs for the kind's
 * declared secret params are masked.
 */
import type { ComponentChildren } from 'preact';
import { humanize, initialValue, isSecretField, typeOf, type FieldErrors, type JsonSchema } from './params-schema';

export { fieldErrorsFrom, initialValue, type FieldErrors, type JsonSchema } from './params-schema';

type Obj = Record<string, unknown>;

function idFor(path: string): string {
  return `param-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function FieldError({ path, errors }: { path: string; errors: FieldErrors }) {
  const msg = errors[path];
  return msg ? (
    <p class="field-error" id={`${idFor(path)}-err`} role="alert">
      {msg}
    </p>
  ) : null;
}

interface FieldProps {
  name: string;
  path: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  errors: FieldErrors;
  /** The kind's declared secret params (dotted paths, arrays walked). */
  secrets: readonly string[];
  onChange: (v: unknown) => void;
}

function Field(p: FieldProps): ComponentChildren {
  const t = typeOf(p.schema);
  const id = idFor(p.path);
  const invalid = p.errors[p.path] !== undefined;
  const aria = { 'aria-invalid': invalid ? ('true' as const) : undefined, 'aria-describedby': invalid ? `${id}-err` : undefined };
  const label = (
    <label for={id}>
      {p.schema.title ?? humanize(p.name)}
      {p.required && <span aria-hidden="true"> *</span>}
      {p.schema.description && <span class="muted small"> — {p.schema.description}</span>}
    </label>
  );

  if (t === 'object') return <ObjectFields legend={humanize(p.name)} {...p} />;
  if (t === 'array' && typeOf(p.schema.items ?? {}) === 'object') return <ObjectArray {...p} />;
  if (t === 'array') {
    const list = Array.isArray(p.value) ? (p.value as unknown[]) : [];
    return (
      <div class="field">
        {label}
        <input id={id} {...aria} value={list.join(', ')} placeholder="comma, separated" onInput={(e) => p.onChange(splitList((e.target as HTMLInputElement).value))} />
        <FieldError path={p.path} errors={p.errors} />
      </div>
    );
  }
  if (t === 'boolean') {
    return (
      <div class="field field-check">
        <input id={id} type="checkbox" {...aria} checked={p.value === true} onChange={(e) => p.onChange((e.target as HTMLInputElement).checked)} />
        {label}
        <FieldError path={p.path} errors={p.errors} />
      </div>
    );
  }
  if (p.schema.enum) {
    return (
      <div class="field">
        {label}
        <select id={id} {...aria} value={p.value === undefined ? '' : String(p.value)} onChange={(e) => p.onChange((e.target as HTMLSelectElement).value || undefined)}>
          {!p.required && <option value="">—</option>}
          {p.schema.enum.map((v) => (
            <option key={String(v)} value={String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
        <FieldError path={p.path} errors={p.errors} />
      </div>
    );
  }
  if (t === 'integer' || t === 'number') {
    return (
      <div class="field">
        {label}
        <input
          id={id}
          type="number"
          {...aria}
          step={t === 'integer' ? 1 : 'any'}
          min={p.schema.minimum}
          max={p.schema.maximum}
          value={typeof p.value === 'number' ? String(p.value) : ''}
          onInput={(e) => {
            const raw = (e.target as HTMLInputElement).value;
            p.onChange(raw === '' ? undefined : Number(raw));
          }}
        />
        <FieldError path={p.path} errors={p.errors} />
      </div>
    );
  }
  const text = {
    id,
    autocomplete: 'off',
    ...aria,
    value: typeof p.value === 'string' ? p.value : '',
    onInput: (e: Event) => {
      const raw = (e.target as HTMLInputElement).value;
      p.onChange(raw === '' && !p.required ? undefined : raw);
    },
  };
  return (
    <div class="field">
      {label}
      {isSecretField(p.path, p.secrets) ? <input type="password" {...text} /> : <input type="text" {...text} />}
      <FieldError path={p.path} errors={p.errors} />
    </div>
  );
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function ObjectFields({ legend, schema, value, path, errors, secrets, onChange }: FieldProps & { legend: string }) {
  const obj = (value && typeof value === 'object' ? value : {}) as Obj;
  const fields = Object.entries(schema.properties ?? {}).map(([k, s]) => (
    <Field
      key={k}
      name={k}
      path={path ? `${path}.${k}` : k}
      schema={s}
      value={obj[k]}
      required={schema.required?.includes(k) ?? false}
      errors={errors}
      secrets={secrets}
      onChange={(v) => {
        const next = { ...obj };
        if (v === undefined) delete next[k];
        else next[k] = v;
        onChange(next);
      }}
    />
  ));
  if (!path) return <>{fields}</>;
  return (
    <fieldset>
      <legend>{legend}</legend>
      <FieldError path={path} errors={errors} />
      {fields}
    </fieldset>
  );
}

function ObjectArray({ name, schema, value, path, errors, secrets, onChange }: FieldProps) {
  const rows = Array.isArray(value) ? (value as unknown[]) : [];
  const item = schema.items ?? {};
  const full = schema.maxItems !== undefined && rows.length >= schema.maxItems;
  const title = humanize(name);
  return (
    <fieldset class="array-field" data-testid={`array-${path}`}>
      <legend>{schema.title ?? title}</legend>
      {schema.description && <p class="muted small">{schema.description}</p>}
      <FieldError path={path} errors={errors} />
      {rows.length === 0 && <p class="muted small">None.</p>}
      {rows.map((row, i) => (
        <div class="array-row" key={i}>
          <ObjectFields
            legend={`${title} ${i + 1}`}
            name={name}
            path={`${path}.${i}`}
            schema={item}
            value={row}
            required={false}
            errors={errors}
            secrets={secrets}
            onChange={(v) => onChange(rows.map((r, j) => (j === i ? v : r)))}
          />
          <button type="button" class="secondary small-btn" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove ${title} ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="secondary small-btn" disabled={full} onClick={() => onChange([...rows, initialValue(item)])}>
        Add {title.toLowerCase()}
      </button>
    </fieldset>
  );
}

/** The whole params form; `value` is the params object, `errors` from {@link fieldErrorsFrom}. */
export function ParamsForm({
  schema,
  value,
  errors,
  secretParams,
  onChange,
}: {
  schema: JsonSchema;
  value: Obj;
  errors: FieldErrors;
  secretParams: readonly string[];
  onChange: (v: Obj) => void;
}) {
  if (!schema.properties || Object.keys(schema.properties).length === 0) return <p class="muted">This job kind takes no parameters.</p>;
  return (
    <div class="params-form">
      <FieldError path="" errors={errors} />
      <ObjectFields
        legend=""
        name=""
        path=""
        schema={schema}
        value={value}
        required={false}
        errors={errors}
        secrets={secretParams}
        onChange={(v) => onChange(v as Obj)}
      />
    </div>
  );
}
