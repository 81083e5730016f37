import type { MeshErrorInfo } from '../../../../shared/types';

/**
 * A first connection's failure named for a person (issue 13): the title above Redis' own reason on
 * the connect screen. Decided from the error's code (Node's or Redis'), never from free text,
 * except the timeout, which has no code.
 */
export function connectFailureTitle(error: MeshErrorInfo): string {
  const code = error.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'Could not connect: nothing is listening at that address (connection refused)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Could not connect: the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'Could not connect: the host cannot be reached';
    case 'ETIMEDOUT':
      return 'Could not connect: no answer in time';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'Could not connect: the server closed the connection (a TLS port without rediss://, or a proxy?)';
    case 'WRONGPASS':
      return 'Could not connect: Redis refused the user name or password (WRONGPASS)';
    case 'NOAUTH':
      return 'Could not connect: Redis needs a password (NOAUTH)';
    case 'NOPERM':
      return 'Could not connect: the ACL user may not run a command the inspector needs (NOPERM)';
    case 'LOADING':
      return 'Could not connect: Redis is still loading its data set';
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS/.test(code)) return 'Could not connect: TLS failed';
  if (/timed? ?out|timeout/i.test(error.message)) return 'Could not connect: no answer within the command timeout';
  return 'Could not connect';
}
