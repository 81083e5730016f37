/**
 * Runs before any other module of the renderer (main.tsx imports it first). The CSP has no
 * 'unsafe-eval', and zod probes `new Function` when the first object schema is *built* (the
 * contract builds them at import time); the probe is caught but still reported as a violation.
 * `jitless` skips the probe, so it must be set before the contract module is evaluated.
 */
import { z } from 'zod';

z.config({ jitless: true });
