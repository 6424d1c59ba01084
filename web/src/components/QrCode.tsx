// A QR code the server made (module matrix), drawn as a crisp SVG.

import { qrPath, qrViewBox } from '../lib/qr';

export function QrCode({ size, modules, label }: { size: number; modules: string; label: string }) {
  return (
    <svg
      class="qr-code"
      viewBox={qrViewBox(size)}
      width="232"
      height="232"
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-testid="totp-qr"
    >
      <rect width="100%" height="100%" fill="#fff" />
      <path d={qrPath(size, modules)} fill="#000" />
    </svg>
  );
}
