import { parseAutoClaimReply, parseReadReply } from './redis-replies.js';

describe('stream reply parsing', () => {
  const entries = [['1-0', ['v', '1']], ['2-0', ['v', '2']]];

  it('reads XREADGROUP replies in RESP3 (flattened map) and RESP2 shapes alike', () => {
    const expected = [{ stream: 'a', entries: [{ id: '1-0', fields: ['v', '1'] }, { id: '2-0', fields: ['v', '2'] }] }, { stream: 'b', entries: [] }];
    expect(parseReadReply(['a', entries, 'b', []])).toEqual(expected);
    expect(parseReadReply([['a', entries], ['b', []]])).toEqual(expected);
    expect(parseReadReply(null)).toEqual([]);
    expect(() => parseReadReply('nope')).toThrow(/unexpected XREADGROUP reply/);
  });

  it('separates claimed entries from ones trimmed while pending', () => {
    expect(parseAutoClaimReply(['0-0', [['1-0', ['v', '1']], ['2-0', null]], ['3-0']])).toEqual({
      cursor: '0-0',
      entries: [{ id: '1-0', fields: ['v', '1'] }],
      deletedIds: ['3-0', '2-0'],
    });
  });
});
