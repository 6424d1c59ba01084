// The one-line agent enrollment command shown after creating a token.

/** Quotes a shell word only when it needs it (single quotes, POSIX style). */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `restic-manager-agent enroll --server <origin> --token <token>`. */
export function enrollCommand(origin: string, token: string): string {
  const server = origin.replace(/\/+$/, '');
  return `restic-manager-agent enroll --server ${shellQuote(server)} --token ${shellQuote(token)}`;
}

export const kRunCommand = 'restic-manager-agent run';
