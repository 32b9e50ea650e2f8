import { PlatformCounters } from '@platform/contracts';
import { counterKey, decodeLabels, encodeLabels } from './counter-keys.js';

describe('counter keys', () => {
  it('keeps each counter in its own hash named after the metric', () => {
    expect(counterKey(PlatformCounters.logins)).toBe('platform:counters:platform_logins_total');
  });

  it('encodes a label set in declared order and decodes it back, whatever the value holds', () => {
    const field = encodeLabels(PlatformCounters.events, { event: 'stock.updated,=x y' });
    expect(field).toBe('event=stock.updated%2C%3Dx%20y');
    expect(decodeLabels(field)).toEqual({ event: 'stock.updated,=x y' });
    expect(encodeLabels(PlatformCounters.productViews, {})).toBe('');
    expect(decodeLabels('')).toEqual({});
  });

  it('refuses labels the counter does not declare, or missing ones', () => {
    expect(() => encodeLabels(PlatformCounters.logins, {})).toThrow('platform_logins_total takes the labels [result], got []');
    expect(() => encodeLabels(PlatformCounters.logins, { result: 'ok', user: 'x' })).toThrow(TypeError);
    expect(() => encodeLabels(PlatformCounters.productViews, { id: '1' })).toThrow(TypeError);
  });
});
