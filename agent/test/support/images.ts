/**
 * @module
 * How the test hosts "run" container images: an image repository maps to a real host command
 * (the image's entrypoint), the env its Dockerfile sets, the env var that tells the process its
 * published port (there are no network namespaces: the process listens on the host port
 * directly), the env var that receives the image tag, and files the image ships (such as
 * Overseerr's /app/config/DOCKER marker, hidden once a volume is mounted over the directory).
 * One table serves the docker host (hosts/docker) and the Nomad simulator's docker task driver.
 */
import { fileURLToPath } from 'node:url';
import { bundleScript } from './bundle-script';
import { LITESTREAM_BIN } from './litestream';

export interface ImageSpec {
  command: string[];
  /** Env the image sets (Dockerfile ENV), before the container's own. */
  env?: Record<string, string>;
  /** Container port ('5055/tcp' or '5055') → env var telling the process which host port to listen on. */
  portEnv?: Record<string, string>;
  /** Env var that receives the image tag (the Overseerr stand-in reports it as its version). */
  versionEnv?: string;
  /** Files the image ships at these container paths, hidden by a mount over their directory. */
  files?: Record<string, string>;
}

/** sctx/overseerr → the Overseerr stand-in; litestream/litestream → the real Litestream v0.3.13. */
export async function standInImages(): Promise<Record<string, ImageSpec>> {
  const overseerr = await bundleScript(fileURLToPath(new URL('../sims/overseerr/main.ts', import.meta.url)));
  const overseerrImage: ImageSpec = {
    command: [process.execPath, overseerr],
    env: { CONFIG_DIRECTORY: '/app/config' },
    portEnv: { '5055/tcp': 'PORT', '5055': 'PORT' },
    versionEnv: 'OVERSEERR_VERSION',
    files: { '/app/config/DOCKER': 'DOCKER' },
  };
  return {
    'sctx/overseerr': overseerrImage,
    'ghcr.io/sct/overseerr': overseerrImage,
    'litestream/litestream': { command: [LITESTREAM_BIN] },
  };
}
