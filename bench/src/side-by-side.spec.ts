import { rate } from './results.js';
import { sideBySide } from './side-by-side.js';

describe('sideBySide', () => {
  const rps: Record<string, number> = { nats: 30_000, redis: 15_000, streams: 40_000 };
  const table = sideBySide({
    title: 'why not NATS?',
    subject: { id: 'nats', name: 'NATS' },
    others: [
      { id: 'redis', name: 'Nest Redis' },
      { id: 'streams', name: 'Streams' },
      { id: 'gone', name: 'Gone' },
    ],
    rows: [
      { label: 'req/s', value: (id) => rps[id] ?? Number.NaN, format: rate },
      { label: 'handled', text: (id) => (id === 'redis' ? '3 times' : 'once') },
    ],
  });

  it('gives each variant a column, then the subject divided by each other variant', () => {
    expect(table.title).toBe('why not NATS?');
    expect(table.columns).toEqual(['', 'NATS', 'Nest Redis', 'Streams', 'Gone', 'NATS ÷ Nest Redis', 'NATS ÷ Streams', 'NATS ÷ Gone']);
    expect(table.rows[0]).toEqual(['req/s', '30,000', '15,000', '40,000', 'n/a', '2.00x', '0.75x', 'n/a']);
  });

  it('leaves the ratios of a fact empty', () => {
    expect(table.rows[1]).toEqual(['handled', 'once', '3 times', 'once', 'once', '', '', '']);
  });
});
