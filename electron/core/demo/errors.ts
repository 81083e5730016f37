/**
 * The demo sandbox's one error type, shared by the sandbox (start-up failures) and the seeder
 * (a prefix that is not empty).
 */
import { MeshError } from '../../../shared/errors';

export type DemoErrorCode =
  | 'REDIS_SERVER_NOT_FOUND'
  | 'REDIS_SERVER_FAILED'
  | 'REDIS_SERVER_TOO_OLD'
  | 'PREFIX_NOT_EMPTY';

/**
 * Why the sandbox could not start or be seeded; `message` is written for a person. Always of
 * kind `fatal`: retrying the same thing fails the same way until something is installed or fixed.
 */
export class DemoSandboxError extends MeshError {
  declare readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string) {
    super('fatal', message, { code });
    this.name = 'DemoSandboxError';
  }
}

export const REDIS_SERVER_NOT_FOUND_MESSAGE =
  'redis-server was not found on PATH; install it (e.g. apt-get install redis-server) to use the demo';
