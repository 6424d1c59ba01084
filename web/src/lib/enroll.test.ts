import { describe, expect, it } from 'vitest';
import { enrollCommand, shellQuote } from './enroll';

describe('enrollCommand', () => {
  it('builds the exact one-line form', () => {
    expect(enrollCommand('http://127.0.0.1:8080', 'rme_abc123')).toBe(
      'restic-manager-agent enroll --server http://127.0.0.1:8080 --token rme_abc123',
    );
  });
  it('drops a trailing slash of the origin', () => {
    expect(enrollCommand('https://backup.example.org/', 'rme_x')).toBe(
      'restic-manager-agent enroll --server https://backup.example.org --token rme_x',
    );
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
