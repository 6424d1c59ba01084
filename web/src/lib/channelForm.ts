// The channel form's pure logic: a draft per kind, the POST / PATCH body it
// makes (a PATCH carries only what changed; a secret only when typed, since
// the server never shows it), and a one-line summary of where a channel goes.

import type {
  AlertSeverityName,
  ChannelKind,
  NotificationChannel,
  NotificationChannelBody,
  WebhookFormat,
} from '../api/types';

export interface ChannelDraft {
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  alertKinds: string;
  hosts: string;
  hostSelector: string;
  minSeverity: AlertSeverityName;
  url: string;
  format: WebhookFormat;
  headerName: string;
  headerValue: string;
  serverUrl: string;
  topic: string;
  priority: number;
  token: string;
  smtpUrl: string;
  requireTls: boolean;
  username: string;
  password: string;
  from: string;
  to: string;
  scheduleIds: string;
}

export function emptyDraft(kind: ChannelKind = 'webhook'): ChannelDraft {
  return {
    name: '',
    kind,
    enabled: true,
    alertKinds: '',
    hosts: '',
    hostSelector: '',
    minSeverity: 'warning',
    url: '',
    format: 'json',
    headerName: '',
    headerValue: '',
    serverUrl: 'https://ntfy.sh',
    topic: '',
    priority: 4,
    token: '',
    smtpUrl: '',
    requireTls: true,
    username: '',
    password: '',
    from: '',
    to: '',
    scheduleIds: '',
  };
}

/** The draft of a stored channel; secret fields start empty ("unchanged"). */
export function draftOf(c: NotificationChannel): ChannelDraft {
  return {
    ...emptyDraft(c.kind),
    name: c.name,
    enabled: c.enabled,
    alertKinds: c.alert_kinds.join(', '),
    hosts: c.hosts.join(', '),
    hostSelector: c.host_selector,
    minSeverity: c.min_severity,
    format: c.format ?? 'json',
    headerName: c.header_name ?? '',
    serverUrl: c.server_url ?? '',
    topic: c.topic ?? '',
    priority: c.priority ?? 4,
    smtpUrl: c.smtp_url ?? '',
    requireTls: c.require_tls ?? true,
    username: c.username ?? '',
    from: c.from ?? '',
    to: (c.to ?? []).join(', '),
    scheduleIds: (c.schedule_ids ?? []).join(', '),
  };
}

/** Items of a comma- or whitespace-separated list, trimmed, empties dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Every field the draft's kind has, as a full body (secrets only when typed). */
function fullBody(d: ChannelDraft): NotificationChannelBody {
  const body: NotificationChannelBody = {
    name: d.name.trim(),
    enabled: d.enabled,
    hosts: splitList(d.hosts),
    host_selector: d.hostSelector.trim(),
  };
  if (d.kind !== 'healthchecks') {
    body.alert_kinds = splitList(d.alertKinds);
    body.min_severity = d.minSeverity;
  }
  switch (d.kind) {
    case 'webhook':
      if (d.url.trim() !== '') body.url = d.url.trim();
      body.format = d.format;
      body.header_name = d.headerName.trim();
      if (d.headerValue !== '') body.header_value = d.headerValue;
      break;
    case 'ntfy':
      body.server_url = d.serverUrl.trim();
      body.topic = d.topic.trim();
      body.priority = d.priority;
      if (d.token !== '') body.token = d.token;
      break;
    case 'email':
      body.smtp_url = d.smtpUrl.trim();
      body.require_tls = d.requireTls;
      body.username = d.username.trim();
      if (d.password !== '') body.password = d.password;
      body.from = d.from.trim();
      body.to = splitList(d.to);
      break;
    case 'healthchecks':
      if (d.url.trim() !== '') body.url = d.url.trim();
      body.schedule_ids = splitList(d.scheduleIds);
      break;
  }
  return body;
}

/** The POST body for a new channel, or the PATCH body of what changed in `existing`. */
export function channelBody(d: ChannelDraft, existing: NotificationChannel | null): NotificationChannelBody {
  const full = fullBody(d);
  if (!existing) return { ...full, kind: d.kind };
  const before = fullBody(draftOf(existing));
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    const old = (before as Record<string, unknown>)[key];
    const changed = Array.isArray(value) ? !Array.isArray(old) || !sameList(value, old as string[]) : value !== old;
    if (changed) patch[key] = value;
  }
  // A webhook header without a new value keeps the stored one; clearing the name clears both.
  if (patch.header_name === '' && existing.header_name) patch.header_value = '';
  return patch as NotificationChannelBody;
}

/** Where a channel delivers, in one line (no secret: the server sends hints only). */
export function channelTarget(c: NotificationChannel): string {
  switch (c.kind) {
    case 'webhook':
      return `${c.format ?? 'json'} → ${c.url_hint ?? ''}`;
    case 'ntfy':
      return `${(c.server_url ?? '').replace(/\/+$/, '')}/${c.topic ?? ''}`;
    case 'email':
      return `${(c.to ?? []).join(', ')} via ${c.smtp_url ?? ''}`;
    case 'healthchecks':
      return `pings ${c.url_hint ?? ''}`;
  }
}
