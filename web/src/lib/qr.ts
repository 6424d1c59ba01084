// The server's QR code (a module matrix from libqrencode) as one SVG path:
// a rectangle per run of dark modules in a row, offset by the quiet zone.

/** Modules of white border the QR spec asks for around the symbol. */
export const kQuietZone = 4;

/** SVG path data for a `size`×`size` matrix given row by row as '1' (dark) / '0'. */
export function qrPath(size: number, modules: string): string {
  if (!Number.isInteger(size) || size <= 0 || modules.length !== size * size) return '';
  const parts: string[] = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (modules[y * size + x] !== '1') {
        x++;
        continue;
      }
      const start = x;
      while (x < size && modules[y * size + x] === '1') x++;
      const run = x - start;
      parts.push(`M${start + kQuietZone} ${y + kQuietZone}h${run}v1h-${run}z`);
    }
  }
  return parts.join('');
}

/** Width and height of the whole picture in modules, quiet zone included. */
export function qrViewBox(size: number): string {
  const side = size + 2 * kQuietZone;
  return `0 0 ${side} ${side}`;
}

/** The base32 secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
