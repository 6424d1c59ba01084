// Adding a host: the API sequence behind "Add host" and the one-line agent
// enrollment command shown after it.

import type { EnrollmentToken, Host, HostMode, OfferedPackage, Page } from '../api/types';
import type { Labels } from './labels';

/** The most enrollments one token may allow (the API's bound). */
export const kMaxUses = 100000;

/** Quotes a shell word only when it needs it (single quotes, POSIX style). */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `restic-manager-agent enroll --server <origin> --token <token> [--fingerprint <sha256:...>]`:
 * with the server's certificate fingerprint the agent pins it, so a copied command is secure by default.
 */
export function enrollCommand(origin: string, token: string, fingerprint?: string | null): string {
  const server = origin.replace(/\/+$/, '');
  const pin = fingerprint ? ` --fingerprint ${shellQuote(fingerprint)}` : '';
  return `restic-manager-agent enroll --server ${shellQuote(server)} --token ${shellQuote(token)}${pin}`;
}

export const kRunCommand = 'restic-manager-agent run';

export const kAgentPackage = 'restic-manager-agent';

/** The agent package to offer: amd64 when the server has it (most hosts), else the first one; null for none. */
export function pickAgentPackage(items: OfferedPackage[]): OfferedPackage | null {
  const agents = items.filter((p) => p.package === kAgentPackage);
  return agents.find((p) => p.architecture === 'amd64') ?? agents[0] ?? null;
}

/** How the install command reaches this server: its certificate's pins, when it serves TLS itself. */
export interface ServerPins {
  /** sha256:<hex of the certificate's DER>, for the agent's --fingerprint. */
  fingerprint?: string | null;
  /** sha256//<base64 of the SHA-256 of the public key>, for curl's --pinnedpubkey. */
  spkiPin?: string | null;
}

/**
 * One line to paste as root on a new host: download the agent's .deb from this
 * server, install it with apt (which pulls in restic), enroll, start the agent.
 * With the server's pins curl checks the public key (-k only skips the CA
 * check a self-signed certificate fails; the pin is still enforced) and the
 * agent pins the certificate. The download runs in a fresh private directory
 * (mktemp -d), so no other user can plant a file where root writes.
 */
export function installCommand(origin: string, pkg: OfferedPackage, token: string, pins: ServerPins = {}): string {
  const server = origin.replace(/\/+$/, '');
  const curlPin = pins.spkiPin ? ` -k --pinnedpubkey ${shellQuote(pins.spkiPin)}` : '';
  const local = `./${kAgentPackage}.deb`;
  return [
    `cd "$(mktemp -d)"`,
    `curl -fsSL${curlPin} -o ${local} ${shellQuote(server + pkg.url)}`,
    `apt-get install -y ${local}`,
    enrollCommand(server, token, pins.fingerprint),
    'systemctl enable --now restic-manager-agent',
  ].join(' && ');
}

/** The part of the API client the add-host sequence uses (so tests can fake it). */
export interface EnrollApi {
  get<T>(path: string, query?: Record<string, string | number | null | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** A host with a fresh enrollment token bound to it (`token.token` is the one-time secret). */
export interface HostEnrollment {
  host: Host;
  token: EnrollmentToken;
}

/** Mints an enrollment token that enrolls the agent into `host` (keeping its name). */
export function tokenForHost(api: EnrollApi, host: Host): Promise<EnrollmentToken> {
  return api.post<EnrollmentToken>('/enrollment-tokens', { name: host.name, host_id: host.id });
}

/**
 * "Add host": pre-registers the host under the typed name, then mints a token
 * bound to it, so the agent enrolls into that host instead of making one named
 * after its machine. Errors (a taken name is 409 naming `name`) propagate.
 */
export async function addHost(api: EnrollApi, name: string, mode?: HostMode, labels?: Labels): Promise<HostEnrollment> {
  const body: Record<string, unknown> = { name };
  if (mode) body.mode = mode;
  if (labels && Object.keys(labels).length > 0) body.labels = labels;
  const host = await api.post<Host>('/hosts', body);
  return { host, token: await tokenForHost(api, host) };
}

/**
 * A reusable token for a fleet: up to `maxUses` agents enroll with it, each as
 * a new host named after its machine, all carrying `labels`. No host is
 * pre-registered (a token bound to a host is single-use).
 */
export function fleetToken(api: EnrollApi, name: string, maxUses: number, labels: Labels): Promise<EnrollmentToken> {
  const body: Record<string, unknown> = { name, max_uses: maxUses };
  if (Object.keys(labels).length > 0) body.labels = labels;
  return api.post<EnrollmentToken>('/enrollment-tokens', body);
}

/** The "Hosts" field of Add host as a max_uses (1..kMaxUses), or the problem. */
export function parseMaxUses(text: string): { maxUses: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { maxUses: 1 };
  if (!/^[0-9]+$/.test(trimmed)) return { error: 'the number of hosts is a whole number' };
  const n = Number(trimmed);
  if (n < 1 || n > kMaxUses) return { error: `the number of hosts is 1 to ${kMaxUses}` };
  return { maxUses: n };
}

/** "enrolls one host" / "enrolls up to 500 hosts": what the shown token allows. */
export function usesText(token: Pick<EnrollmentToken, 'max_uses'>): string {
  const n = token.max_uses ?? 1;
  return n === 1 ? 'enrolls one host' : `enrolls up to ${n} hosts`;
}

/**
 * The host named exactly `name` if it exists and its agent never enrolled
 * (no hostname reported yet): such a host can still be given a token.
 */
export async function unenrolledHostNamed(api: EnrollApi, name: string): Promise<Host | null> {
  const page = await api.get<Page<Host>>('/hosts', { q: name, limit: 500 });
  const host = page.items.find((h) => h.name === name);
  return host && host.hostname === null ? host : null;
}
