import { parseMonitorLine } from './redis-monitor.js';

describe('a MONITOR line', () => {
  it('tells the database, who sent the command and its name', () => {
    expect(parseMonitorLine('+1796501998.257594 [9 lua] "EXISTS" "catalog:product:1f3b"')).toEqual({ db: 9, source: 'lua', command: 'exists' });
    expect(parseMonitorLine('+1796501998.257594 [0 127.0.0.1:51234] "EVALSHA" "ab12" "1" "k"')).toEqual({ db: 0, source: '127.0.0.1:51234', command: 'evalsha' });
    expect(parseMonitorLine('+OK')).toBeUndefined();
  });
});
