// Typed call for how the server is reached (docs/api-contract.md "GET /server/tls", docs/tls.md).

import type { ApiClient } from './client';
import type { ServerTls } from './types';

/** GET /server/tls: TLS on or off, the certificate's fingerprint, plain HTTP off loopback. */
export function getServerTls(api: ApiClient, signal?: AbortSignal): Promise<ServerTls> {
  return api.get<ServerTls>('/server/tls', undefined, signal);
}
