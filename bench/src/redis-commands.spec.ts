import { commandsBetween, parseCommandStats } from './redis-commands.js';

// As redis-server 7.0 answers INFO commandstats.
const before = [
  '# Commandstats',
  'cmdstat_info:calls=2,usec=148,usec_per_call=74.00,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=10,usec=263,usec_per_call=26.30,rejected_calls=0,failed_calls=0',
  'cmdstat_get:calls=20,usec=75,usec_per_call=3.75,rejected_calls=0,failed_calls=0',
  'cmdstat_config|resetstat:calls=1,usec=49,usec_per_call=49.00,rejected_calls=0,failed_calls=0',
].join('\r\n');
const after = [
  '# Commandstats',
  'cmdstat_info:calls=3,usec=200,usec_per_call=66.67,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=12,usec=300,usec_per_call=25.00,rejected_calls=0,failed_calls=0',
  'cmdstat_get:calls=24,usec=90,usec_per_call=3.75,rejected_calls=0,failed_calls=0',
  'cmdstat_set:calls=2,usec=11,usec_per_call=5.50,rejected_calls=0,failed_calls=0',
  'cmdstat_config|resetstat:calls=1,usec=49,usec_per_call=49.00,rejected_calls=0,failed_calls=0',
].join('\r\n');

describe('Redis command counts', () => {
  it('reads the calls of every command, subcommands included', () => {
    expect(parseCommandStats(before)).toEqual({ info: 2, evalsha: 10, get: 20, 'config|resetstat': 1 });
  });

  it('counts what ran between two readings, commands new since the first included, the readings left out', () => {
    expect(commandsBetween(parseCommandStats(before), parseCommandStats(after))).toEqual({
      total: 8,
      byCommand: { evalsha: 2, get: 4, set: 2 },
    });
  });
});
