/** @module nomad-sim/routes-jobs */
import type { RouteDef } from './index';
export const jobRoutes: RouteDef[] = [];
