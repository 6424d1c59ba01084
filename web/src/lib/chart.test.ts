import { describe, expect, it } from 'vitest';
import { cumulative, layoutSeries, linePath, linearScale, niceMax, ticks } from './chart';

describe('linearScale', () => {
  it('maps domain onto range, inverted ranges included', () => {
    const s = linearScale(0, 100, 0, 200);
    expect(s(50)).toBe(100);
    const y = linearScale(0, 10, 100, 0);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(75);
  });
  it('maps a zero-width domain to the middle', () => {
    expect(linearScale(5, 5, 0, 100)(5)).toBe(50);
  });
});

describe('niceMax and ticks', () => {
  it('rounds up to 1/2/2.5/5 steps', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(1.7)).toBe(2);
    expect(niceMax(230)).toBe(250);
    expect(niceMax(3100)).toBe(5000);
    expect(niceMax(1000)).toBe(1000);
  });
  it('spaces ticks evenly', () => {
    expect(ticks(100, 4)).toEqual([0, 25, 50, 75, 100]);
  });
});

describe('linePath', () => {
  it('builds move/line commands', () => {
    expect(linePath([])).toBe('');
    expect(linePath([{ x: 0, y: 10 }, { x: 5.555, y: 2 }])).toBe('M0 10 L5.56 2');
  });
});

describe('layoutSeries', () => {
  const area = { width: 200, height: 100, left: 20, right: 0, top: 0, bottom: 20 };
  it('scales points into the plot area', () => {
    const layout = layoutSeries([{ name: 'a', points: [{ t: 1000, v: 0 }, { t: 2000, v: 8 }] }], area);
    expect(layout.vMax).toBe(10);
    expect(layout.series[0]!.points).toEqual([
      { x: 20, y: 80 },
      { x: 200, y: 16 },
    ]);
    expect(layout.series[0]!.path).toBe('M20 80 L200 16');
    expect(layout.yTicks[0]).toEqual({ value: 0, y: 80 });
    expect(layout.yTicks[4]).toEqual({ value: 10, y: 0 });
  });
  it('sorts points by time and shares the time axis across series', () => {
    const layout = layoutSeries(
      [
        { name: 'a', points: [{ t: 3, v: 1 }, { t: 1, v: 1 }] },
        { name: 'b', points: [{ t: 2, v: 1 }] },
      ],
      area,
    );
    expect(layout.series[0]!.points.map((p) => p.x)).toEqual([20, 200]);
    expect(layout.series[1]!.points[0]!.x).toBe(110);
  });
  it('copes with no data', () => {
    const layout = layoutSeries([], area);
    expect(layout.series).toEqual([]);
    expect(layout.vMax).toBe(1);
  });
});

describe('cumulative', () => {
  it('sums in time order', () => {
    expect(cumulative([{ t: 2, v: 5 }, { t: 1, v: 10 }, { t: 3, v: 1 }])).toEqual([
      { t: 1, v: 10 },
      { t: 2, v: 15 },
      { t: 3, v: 16 },
    ]);
  });
});
