/**
 * @module plex-host/faults
 * Faults a Plex move test can inject on the target side, through the image the helper pod runs (the
 * StatefulSet's pms-docker image): a `tar` first on the PATH that, only when it extracts into the job's partial
 * directory on the config PVC, reads two switch files on that PVC —
 *   `<pvc>/.fault-throttle`  bytes per second: the stream is slowed to it (a slow link; cancel and kill tests
 *                            need a transfer that lasts), for every attempt while the file exists;
 *   `<pvc>/.fault-corrupt`   a path relative to "Plex Media Server": after extraction one byte of that file is
 *                            flipped (size and mtime kept — a copy corrupted on the way), once (the file is removed).
 * Everything else is the real GNU tar. The test writes the switch files into `kube.fs.pvcDir(ns, pvc)`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageResolver } from '../../sims/kube/index.js';

const TAR = `#!/bin/sh
# Fault-injecting tar for tests (agent/test/hosts/plex/faults.ts); the real one is /usr/bin/tar.
dest=""; prev=""
for a in "$@"; do [ "$prev" = "-C" ] && dest="$a"; prev="$a"; done
case "$dest" in */.plexops-partial*) ;; *) exec /usr/bin/tar "$@" ;; esac
pvc="\${dest%%/.plexops-partial*}"
if [ -f "$pvc/.fault-throttle" ]; then
  python3 -c '
import sys, time
rate = int(sys.argv[1]); start = time.monotonic(); sent = 0
src = sys.stdin.buffer; out = sys.stdout.buffer
while True:
    b = src.read1(65536)
    if not b: break
    out.write(b); out.flush(); sent += len(b)
    ahead = sent / rate - (time.monotonic() - start)
    if ahead > 0: time.sleep(ahead)
' "$(cat "$pvc/.fault-throttle")" | /usr/bin/tar "$@"
else
  /usr/bin/tar "$@"
fi
rc=$?
if [ $rc -eq 0 ] && [ -f "$pvc/.fault-corrupt" ]; then
  rel=$(cat "$pvc/.fault-corrupt"); rm -f "$pvc/.fault-corrupt"
  python3 -c '
import os, sys
p = sys.argv[1]; st = os.stat(p)
with open(p, "r+b") as f:
    f.seek(st.st_size // 2); b = f.read(1); f.seek(st.st_size // 2); f.write(bytes([b[0] ^ 0x5a]))
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
' "$dest/Plex Media Server/$rel"
fi
exit $rc
`;

/** A layer holding the fault-injecting tar at /usr/local/bin/tar. */
export function faultLayer(dir: string): string {
  const root = join(dir, 'fault-layer');
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/local/bin/tar'), TAR);
  chmodSync(join(root, 'usr/local/bin/tar'), 0o755);
  return root;
}

/** `images` with the fault layer on top of every image it resolves. */
export function withFaults(images: ImageResolver, layer: string): ImageResolver {
  return async (image) => {
    const rt = await images(image);
    return rt && { ...rt, layers: [layer, ...(rt.layers ?? [])] };
  };
}
