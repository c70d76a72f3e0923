/**
 * @module s3-sim/errors
 * S3 answers every failure with an `<Error>` XML document (Code, Message, the resource it concerns,
 * RequestId, HostId) and a status code; HEAD requests get the status alone. The codes and messages
 * here are the ones Amazon S3 documents ("Error responses" in the S3 API reference), so clients
 * that branch on `Code` (aws-sdk-go's `NoSuchKey`, …) behave as against the real service.
 */

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements after Message, e.g. Key, BucketName, ArgumentName. */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const noSuchBucket = (bucket: string): S3Error => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchKey = (key: string): S3Error => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
export const noSuchUpload = (id: string): S3Error =>
  new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: id });
export const accessDenied = (): S3Error => new S3Error(403, 'AccessDenied', 'Access Denied');
export const invalidArgument = (message: string, name: string, value: string): S3Error =>
  new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
export const malformedXml = (): S3Error =>
  new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
export const notImplemented = (): S3Error =>
  new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
export const methodNotAllowed = (method: string, resource: 'SERVICE' | 'BUCKET' | 'OBJECT'): S3Error =>
  new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: resource });
export const invalidUri = (): S3Error => new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
export const authMalformed = (detail: string, extra: Record<string, string> = {}): S3Error =>
  new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`, extra);
