// Typed calls for how the server is reached (docs/api-contract.md "GET /server/tls", docs/tls.md)
// and the agent packages it offers to new hosts ("GET /downloads").

import type { ApiClient } from './client';
import type { OfferedPackage, ServerTls } from './types';

/** GET /server/tls: TLS on or off, the certificate's fingerprint, plain HTTP off loopback. */
export function getServerTls(api: ApiClient, signal?: AbortSignal): Promise<ServerTls> {
  return api.get<ServerTls>('/server/tls', undefined, signal);
}

/** GET /downloads: the packages new hosts can download from /downloads/<file>. */
export async function listDownloads(api: ApiClient, signal?: AbortSignal): Promise<OfferedPackage[]> {
  return (await api.get<{ items: OfferedPackage[] }>('/downloads', undefined, signal)).items;
}
