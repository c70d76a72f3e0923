/**
 * @module
 * Param schemas shared by the Overseerr → Nomad kinds (overseerr-to-nomad, its rollback and
 * cleanup, nomad-failover-drill). Like targets.ts, every string here can reach an argv, a path or
 * a URL on the agent's side, so each is strict: absolute paths without `..` or shell characters,
 * docker/Nomad names as their tools accept them, S3 bucket names as S3 does.
 */
import { z } from 'zod';
import { EnvVarName, HttpBaseUrl } from './targets';

/** An absolute POSIX path: no `..` segment, no whitespace or shell metacharacters. */
export const AbsPath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9_.@%+=:,/-]*$/, 'must be an absolute path of letters, digits and _ . @ % + = : , / -')
  .refine((p) => !p.split('/').includes('..'), { message: 'must not contain ".."' });

/** docker container / volume names (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`). */
export const DockerName = z.string().max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a docker name ([A-Za-z0-9][A-Za-z0-9_.-]*)');
/** Nomad job / volume / service ids we create: lower-case, digits, dash. */
export const NomadId = z.string().max(128).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and -');
/** A container image reference `repo[:tag]`. */
export const ImageRef = z.string().max(255).regex(/^[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_.-]{1,128})?$/, 'must be an image reference like sctx/overseerr:1.33.2');
/** A Nomad Variable path, e.g. nomad/jobs/overseerr. */
export const NomadVarPath = z.string().max(255).regex(/^[A-Za-z0-9_-][A-Za-z0-9_./-]*$/, 'must be a variable path of letters, digits and _ . / -');

export const LitestreamReplica = z.strictObject({
  type: z.literal('s3').default('s3'),
  /** S3/MinIO endpoint as the docker host and the Nomad clients reach it. */
  endpoint: HttpBaseUrl,
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  /** Path inside the bucket, e.g. overseerr/db. */
  path: z.string().max(512).regex(/^[A-Za-z0-9][A-Za-z0-9_.\/-]*$/, 'must be a bucket path of letters, digits and _ . / -'),
  region: z.string().regex(/^[a-z0-9-]{1,32}$/).default('us-east-1'),
  forcePathStyle: z.boolean().default(true),
  /** Env vars on the agent holding the credentials for seeding (values never stored or logged). */
  accessKeyIdEnv: EnvVarName.default('LITESTREAM_ACCESS_KEY_ID'),
  secretAccessKeyEnv: EnvVarName.default('LITESTREAM_SECRET_ACCESS_KEY'),
  /** Nomad Variable with items access_key_id / secret_access_key, read by the jobspec's template. */
  nomadVariable: NomadVarPath.default('nomad/jobs/overseerr'),
  image: ImageRef.default('litestream/litestream:0.3.13'),
  /** Seed over a replica that already has generations (default: refuse). */
  overwrite: z.boolean().default(false),
});
export type LitestreamReplica = z.infer<typeof LitestreamReplica>;
