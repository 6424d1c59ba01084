import { describe, expect, it } from 'vitest';
import { groupSecret, kQuietZone, qrPath, qrViewBox } from './qr';

describe('qrPath', () => {
  it('draws one rectangle per run of dark modules, offset by the quiet zone', () => {
    // 3×3: a full top row, a lone middle module, two runs at the bottom
    const path = qrPath(3, '111' + '010' + '101');
    const q = kQuietZone;
    expect(path).toBe(
      `M${q} ${q}h3v1h-3z` + `M${q + 1} ${q + 1}h1v1h-1z` + `M${q} ${q + 2}h1v1h-1z` + `M${q + 2} ${q + 2}h1v1h-1z`,
    );
  });

  it('draws nothing for a matrix that does not match its size', () => {
    expect(qrPath(3, '1111')).toBe('');
    expect(qrPath(0, '')).toBe('');
    expect(qrPath(2.5, '111111')).toBe('');
  });

  it('draws nothing for an all-light matrix', () => {
    expect(qrPath(2, '0000')).toBe('');
  });
});

describe('qrViewBox', () => {
  it('adds the quiet zone on every side', () => {
    expect(qrViewBox(21)).toBe(`0 0 ${21 + 2 * kQuietZone} ${21 + 2 * kQuietZone}`);
  });
});

describe('groupSecret', () => {
  it('groups base32 by four without a trailing space', () => {
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(groupSecret('ABCDEFGH')).toBe('ABCD EFGH');
  });
});
