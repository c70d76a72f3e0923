/** @module nomad-sim/routes-csi */
import type { RouteDef } from './index';
export const volumeRoutes: RouteDef[] = [];
