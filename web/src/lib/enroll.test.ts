import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { Host } from '../api/types';
import { makeHost } from '../testing/fixtures';
import type { OfferedPackage } from '../api/types';
import {
  addHost,
  enrollCommand,
  fleetToken,
  parseMaxUses,
  usesText,
  installCommand,
  pickAgentPackage,
  shellQuote,
  unenrolledHostNamed,
  type EnrollApi,
} from './enroll';

describe('enrollCommand', () => {
  it('builds the exact one-line form', () => {
    expect(enrollCommand('http://127.0.0.1:8080', 'rme_abc123')).toBe(
      'restic-manager-agent enroll --server http://127.0.0.1:8080 --token rme_abc123',
    );
  });
  it('pins the server certificate when its fingerprint is known', () => {
    const fp = 'sha256:' + 'ab'.repeat(32);
    expect(enrollCommand('https://127.0.0.1:8443', 'rme_x', fp)).toBe(
      `restic-manager-agent enroll --server https://127.0.0.1:8443 --token rme_x --fingerprint ${fp}`,
    );
    expect(enrollCommand('http://127.0.0.1:8080', 'rme_x', null)).toBe(
      'restic-manager-agent enroll --server http://127.0.0.1:8080 --token rme_x',
    );
  });
  it('drops a trailing slash of the origin', () => {
    expect(enrollCommand('https://backup.example.org/', 'rme_x')).toBe(
      'restic-manager-agent enroll --server https://backup.example.org --token rme_x',
    );
  });
});

function offered(architecture: string, pkg = 'restic-manager-agent'): OfferedPackage {
  const file = `${pkg}_0.1.0_${architecture}.deb`;
  return { file, package: pkg, version: '0.1.0', architecture, size: 1000, url: `/downloads/${file}` };
}

describe('pickAgentPackage', () => {
  it('prefers amd64, falls back to the first agent package, ignores other packages', () => {
    expect(pickAgentPackage([offered('arm64'), offered('amd64')])?.architecture).toBe('amd64');
    expect(pickAgentPackage([offered('amd64', 'restic-manager-cli'), offered('arm64')])?.architecture).toBe('arm64');
    expect(pickAgentPackage([offered('amd64', 'restic-manager-cli')])).toBeNull();
    expect(pickAgentPackage([])).toBeNull();
  });
});

describe('installCommand', () => {
  const fp = 'sha256:' + 'ab'.repeat(32);
  const pin = 'sha256//' + 'A'.repeat(43) + '=';

  it('downloads with the public key pinned, installs with apt, enrolls pinned and starts the agent', () => {
    expect(installCommand('https://backup.example:8443/', offered('amd64'), 'rme_x', { fingerprint: fp, spkiPin: pin })).toBe(
      'cd "$(mktemp -d)"' +
        ` && curl -fsSL -k --pinnedpubkey ${pin} -o ./restic-manager-agent.deb` +
        ' https://backup.example:8443/downloads/restic-manager-agent_0.1.0_amd64.deb' +
        ' && apt-get install -y ./restic-manager-agent.deb' +
        ` && restic-manager-agent enroll --server https://backup.example:8443 --token rme_x --fingerprint ${fp}` +
        ' && systemctl enable --now restic-manager-agent',
    );
  });

  it('never skips the CA check without a pin (a CA-signed certificate or a TLS proxy)', () => {
    const command = installCommand('https://backup.example', offered('amd64'), 'rme_x');
    expect(command).not.toContain(' -k');
    expect(command).not.toContain('--pinnedpubkey');
    expect(command).toContain('curl -fsSL -o ./restic-manager-agent.deb https://backup.example/downloads/');
    expect(command).toContain('enroll --server https://backup.example --token rme_x &&');
  });

  it('quotes what the shell would otherwise split', () => {
    expect(installCommand('https://h', offered('amd64'), "rme_'x")).toContain(`--token 'rme_'\\''x'`);
  });
});

describe('shellQuote', () => {
  it('leaves safe words alone and quotes the rest', () => {
    expect(shellQuote('rme_AZaz09-_')).toBe('rme_AZaz09-_');
    expect(shellQuote('a b')).toBe(`'a b'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('addHost', () => {
  function fakeApi(answers: Record<string, unknown>) {
    const calls: [string, string, unknown][] = [];
    const api: EnrollApi = {
      get: async <T,>(path: string, query?: unknown) => {
        calls.push(['GET', path, query]);
        return answers[`GET ${path}`] as T;
      },
      post: async <T,>(path: string, body?: unknown) => {
        calls.push(['POST', path, body]);
        const answer = answers[`POST ${path}`];
        if (answer instanceof Error) throw answer;
        return answer as T;
      },
    };
    return { api, calls };
  }
  const token = { id: 't1', name: 'web-01', host_id: 'h1', status: 'active', token: 'rme_x' };

  it('creates the host by name, then a token bound to it', async () => {
    const { api, calls } = fakeApi({ 'POST /hosts': makeHost(), 'POST /enrollment-tokens': token });
    const made = await addHost(api, 'web-01');
    expect(made.host.id).toBe('h1');
    expect(made.token.token).toBe('rme_x');
    expect(calls).toEqual([
      ['POST', '/hosts', { name: 'web-01' }],
      ['POST', '/enrollment-tokens', { name: 'web-01', host_id: 'h1' }],
    ]);
  });

  it('passes the mode when chosen', async () => {
    const { api, calls } = fakeApi({ 'POST /hosts': makeHost({ mode: 'intermittent' }), 'POST /enrollment-tokens': token });
    await addHost(api, 'web-01', 'intermittent');
    expect(calls[0]).toEqual(['POST', '/hosts', { name: 'web-01', mode: 'intermittent' }]);
  });

  it('passes labels when given', async () => {
    const { api, calls } = fakeApi({ 'POST /hosts': makeHost(), 'POST /enrollment-tokens': token });
    await addHost(api, 'web-01', undefined, { role: 'web' });
    expect(calls[0]).toEqual(['POST', '/hosts', { name: 'web-01', labels: { role: 'web' } }]);
    await addHost(api, 'web-01', undefined, {});
    expect(calls[2]).toEqual(['POST', '/hosts', { name: 'web-01' }]);
  });

  it('makes a reusable fleet token without a host', async () => {
    const { api, calls } = fakeApi({ 'POST /enrollment-tokens': { ...token, host_id: null, max_uses: 500 } });
    const made = await fleetToken(api, 'web fleet', 500, { role: 'web', site: 'berlin' });
    expect(made.max_uses).toBe(500);
    expect(calls).toEqual([
      ['POST', '/enrollment-tokens', { name: 'web fleet', max_uses: 500, labels: { role: 'web', site: 'berlin' } }],
    ]);
    await fleetToken(api, 'bare', 2, {});
    expect(calls[1]).toEqual(['POST', '/enrollment-tokens', { name: 'bare', max_uses: 2 }]);
  });

  it('stops at a taken name without minting a token', async () => {
    const taken = new ApiError(409, { code: 'conflict', message: 'name taken', field: 'name' });
    const { api, calls } = fakeApi({ 'POST /hosts': taken });
    const err = await addHost(api, 'web-01').catch((e: unknown) => e);
    expect(err).toBe(taken);
    expect(calls).toHaveLength(1);
  });
});

describe('unenrolledHostNamed', () => {
  it('finds the exact name among search matches, only when never enrolled', async () => {
    const get = (items: Host[]): EnrollApi => ({
      get: async <T,>() => ({ items, next_cursor: null }) as T,
      post: async () => {
        throw new Error('unexpected');
      },
    });
    const fresh = makeHost({ id: 'h2', name: 'web-01' });
    const other = makeHost({ id: 'h3', name: 'web-01-old' });
    expect(await unenrolledHostNamed(get([other, fresh]), 'web-01')).toEqual(fresh);
    expect(await unenrolledHostNamed(get([other]), 'web-01')).toBeNull();
    expect(await unenrolledHostNamed(get([{ ...fresh, hostname: 'web01.lan' }]), 'web-01')).toBeNull();
  });
});

describe('parseMaxUses', () => {
  it('reads 1..100000, empty as 1', () => {
    expect(parseMaxUses('')).toEqual({ maxUses: 1 });
    expect(parseMaxUses(' 500 ')).toEqual({ maxUses: 500 });
    expect(parseMaxUses('100000')).toEqual({ maxUses: 100000 });
  });
  it('names what is wrong', () => {
    expect(parseMaxUses('0')).toHaveProperty('error');
    expect(parseMaxUses('100001')).toHaveProperty('error');
    expect(parseMaxUses('2.5')).toHaveProperty('error');
    expect(parseMaxUses('-3')).toHaveProperty('error');
    expect(parseMaxUses('many')).toHaveProperty('error');
  });
});

describe('usesText', () => {
  it('says how many hosts the token enrolls', () => {
    expect(usesText({ max_uses: 1 })).toBe('enrolls one host');
    expect(usesText({ max_uses: 500 })).toBe('enrolls up to 500 hosts');
  });
});
