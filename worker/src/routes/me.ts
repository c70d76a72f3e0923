/** @module `GET /api/me`: who is signed in. */
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const meRoutes = new Hono<AppEnv>().get('/me', (c) => c.json({ principal: c.var.principal! }, 200));
