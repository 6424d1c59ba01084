// Host labels in the UI: the text form an operator types ("role=laptop,
// site=berlin") and back. The rules mirror common/labels/labels.h so a typo
// is named before the server refuses it; the server stays the judge.

export type Labels = Record<string, string>;

const kKey = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
const kValue = /^[A-Za-z0-9._-]{1,63}$/;
export const kMaxLabels = 32;

export function isLabelKey(text: string): boolean {
  return kKey.test(text);
}

export function isLabelValue(text: string): boolean {
  return kValue.test(text);
}

/** "role=laptop, site=berlin" for {role: laptop, site: berlin}, keys sorted as the server keeps them. */
export function formatLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

/** The labels of comma- or whitespace-separated key=value text, or the first problem. */
export function parseLabels(text: string): { labels: Labels } | { error: string } {
  const labels: Labels = {};
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 0) return { error: `"${item}" is not key=value` };
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!isLabelKey(key)) return { error: `"${key}": a key is 1-63 of a-z 0-9 . _ / - and starts with a letter or digit` };
    if (!isLabelValue(value)) return { error: `"${item}": a value is 1-63 of A-Z a-z 0-9 . _ -` };
    if (key in labels) return { error: `"${key}" is given twice` };
    labels[key] = value;
  }
  if (Object.keys(labels).length > kMaxLabels) return { error: `a host has at most ${kMaxLabels} labels` };
  return { labels };
}

/** True when both sets hold the same labels. */
export function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}
