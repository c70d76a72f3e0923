/**
 * @module kube-sim/status
 * metav1.Status error bodies, shaped and worded like k8s.io/apimachinery/pkg/api/errors so that kubectl
 * prints the same messages (and picks the same exit paths) as against a real API server.
 */

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason: string; message: string; field?: string }>;
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown by handlers; the router turns it into a Status response with the matching HTTP code. */
export class KubeError extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message ?? body.reason ?? 'error');
  }
  get code(): number {
    return this.body.code;
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeError {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  return new KubeError(body);
}

/** `pods "x"` or `statefulsets.apps "x"` — the qualified resource as errors.go prints it. */
export function qualified(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

function gkDetails(group: string, plural: string, name: string): StatusDetails {
  return group ? { name, group, kind: plural } : { name, kind: plural };
}

export const errors = {
  notFound: (group: string, plural: string, name: string) =>
    failure(404, 'NotFound', `${qualified(group, plural)} "${name}" not found`, gkDetails(group, plural, name)),
  alreadyExists: (group: string, plural: string, name: string) =>
    failure(409, 'AlreadyExists', `${qualified(group, plural)} "${name}" already exists`, gkDetails(group, plural, name)),
  conflict: (group: string, plural: string, name: string, why: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": ${why}`,
      gkDetails(group, plural, name),
    ),
  /** The apiserver's catch-all for unknown paths and resources. */
  noRoute: () => failure(404, 'NotFound', 'the server could not find the requested resource', {}),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: StatusDetails) => failure(403, 'Forbidden', message, details),
  methodNotAllowed: () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  gone: (message: string) => failure(410, 'Expired', message),
  tooLarge: (limit: number) => failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unsupportedMediaType: (accepted: string[]) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    ),
  invalid: (kind: string, name: string, causes: Array<{ reason: string; message: string; field: string }>, group = '') => {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    const details: StatusDetails = group ? { name, group, kind, causes } : { name, kind, causes };
    return failure(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, details);
  },
  /** 422 without a field list, as patch application failures are reported. */
  unprocessable: (message: string) => failure(422, 'Invalid', message, { causes: [{ reason: 'FieldValueInvalid', message }] }),
  internal: (message: string) =>
    failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message }] }),
};

export function successStatus(details?: StatusDetails): Omit<StatusBody, 'code'> & { code?: number } {
  const body: Omit<StatusBody, 'code'> & { code?: number } = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details) body.details = details;
  return body;
}
