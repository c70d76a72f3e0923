/**
 * @module nomad-sim/errors
 * Nomad's HTTP layer answers every failure as `text/plain` with the bare error
 * string and a status code (command/agent/http.go `wrap`). Errors raised by the
 * server RPC layer that carry no code surface as 500 — this module keeps that
 * distinction so the simulator does not "improve" on Nomad's codes.
 */

export class NomadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const coded = (status: number, message: string): NomadError => new NomadError(status, message);
/** Uncoded RPC error: real Nomad maps these to 500. */
export const rpcError = (message: string): NomadError => new NomadError(500, message);

export const permissionDenied = (): NomadError => new NomadError(403, 'Permission denied');
export const tokenNotFound = (): NomadError => new NomadError(403, 'ACL token not found');
export const invalidMethod = (): NomadError => new NomadError(405, 'Invalid method');

/** hashicorp/go-multierror's Error() text, which Nomad returns verbatim for validation failures. */
export function multiError(errors: string[]): string {
  const points = errors.map((e) => `\t* ${e}`).join('\n');
  return `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${points}\n\n`;
}
