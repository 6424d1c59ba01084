import { describe, expect, it } from 'vitest';
import type { NotificationChannel } from '../api/types';
import { channelBody, channelTarget, draftOf, emptyDraft, splitList } from './channelForm';

const stored: NotificationChannel = {
  id: '01C',
  name: 'chat',
  kind: 'webhook',
  enabled: true,
  alert_kinds: ['job_failed'],
  hosts: ['web-*'],
  host_selector: 'role=laptop',
  min_severity: 'warning',
  has_secret: true,
  url_hint: 'https://hooks.slack.com/…',
  format: 'slack',
  header_name: '',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

describe('splitList', () => {
  it('splits on commas and whitespace and drops empties', () => {
    expect(splitList(' a, b  c,,\n d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitList('')).toEqual([]);
  });
});

describe('channelBody', () => {
  it('makes a full POST body with the kind and only the kind fields', () => {
    const draft = { ...emptyDraft('ntfy'), name: ' phone ', topic: 'backups', token: 'tk', hosts: 'a, b' };
    expect(channelBody(draft, null)).toEqual({
      name: 'phone',
      kind: 'ntfy',
      enabled: true,
      hosts: ['a', 'b'],
      host_selector: '',
      alert_kinds: [],
      min_severity: 'warning',
      server_url: 'https://ntfy.sh',
      topic: 'backups',
      priority: 4,
      token: 'tk',
    });
  });

  it('leaves secrets out unless typed', () => {
    const body = channelBody({ ...emptyDraft('email'), name: 'm', smtpUrl: 'smtps://x', from: 'a@b.c', to: 'd@e.f' }, null);
    expect(body).not.toHaveProperty('password');
    expect(body.to).toEqual(['d@e.f']);
  });

  it('sends only what changed in a PATCH', () => {
    const draft = draftOf(stored);
    expect(channelBody(draft, stored)).toEqual({});
    expect(channelBody({ ...draft, enabled: false, hosts: 'web-*, db-*' }, stored)).toEqual({
      enabled: false,
      hosts: ['web-*', 'db-*'],
    });
    expect(channelBody({ ...draft, hostSelector: ' role=laptop,site!=lab ' }, stored)).toEqual({
      host_selector: 'role=laptop,site!=lab',
    });
    expect(channelBody({ ...draft, url: 'https://hooks.slack.com/new' }, stored)).toEqual({
      url: 'https://hooks.slack.com/new',
    });
  });

  it('has no alert routing for healthchecks', () => {
    const body = channelBody({ ...emptyDraft('healthchecks'), name: 'hc', url: 'https://hc-ping.com/k/{host_name}' }, null);
    expect(body).not.toHaveProperty('alert_kinds');
    expect(body).not.toHaveProperty('min_severity');
    expect(body.schedule_ids).toEqual([]);
  });
});

describe('channelTarget', () => {
  it('names where a channel goes without secrets', () => {
    expect(channelTarget(stored)).toBe('slack → https://hooks.slack.com/…');
    expect(channelTarget({ ...stored, kind: 'ntfy', server_url: 'https://ntfy.sh/', topic: 't' })).toBe('https://ntfy.sh/t');
    expect(channelTarget({ ...stored, kind: 'email', to: ['a@b.c'], smtp_url: 'smtps://m' })).toBe('a@b.c via smtps://m');
  });
});
