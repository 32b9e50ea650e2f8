import { defineCounter } from '@platform/contracts';
import { counterKey, decodeLabels, encodeLabels, indexEntry, parseIndexEntry } from './counter-keys.js';

const logins = defineCounter({ name: 'test_logins_total', help: 'Logins, by result.', labels: ['result'] });
const events = defineCounter({ name: 'test_events_total', help: 'Events, by name.', labels: ['event'] });
const views = defineCounter({ name: 'test_views_total', help: 'Views.' });

describe('counter keys', () => {
  it('keeps each counter in its own hash named after the metric', () => {
    expect(counterKey(logins)).toBe('platform:counters:test_logins_total');
  });

  it('encodes a label set in declared order and decodes it back, whatever the value holds', () => {
    const field = encodeLabels(events, { event: 'stock.updated,=x y' });
    expect(field).toBe('event=stock.updated%2C%3Dx%20y');
    expect(decodeLabels(field)).toEqual({ event: 'stock.updated,=x y' });
    expect(encodeLabels(views, {})).toBe('');
    expect(decodeLabels('')).toEqual({});
  });

  it('refuses labels the counter does not declare, or missing ones', () => {
    expect(() => encodeLabels(logins, {})).toThrow('test_logins_total takes the labels [result], got []');
    expect(() => encodeLabels(logins, { result: 'ok', user: 'x' })).toThrow(TypeError);
    expect(() => encodeLabels(views, { id: '1' })).toThrow(TypeError);
  });

  it('describes a counter in the index so that a reader gets the same counter back', () => {
    expect(indexEntry(logins)).toBe('{"help":"Logins, by result.","labels":["result"]}');
    expect(parseIndexEntry(logins.name, indexEntry(logins))).toEqual(logins);
    for (const entry of ['not json', '[]', '{"help":1,"labels":[]}', '{"help":"x","labels":[1]}', '{"help":"x"}']) {
      expect(parseIndexEntry('x_total', entry)).toBeUndefined();
    }
  });
});
