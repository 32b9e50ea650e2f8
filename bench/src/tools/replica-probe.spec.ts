import { gcFigures, perfCounts } from './replica-probe.js';

// Two lines as node --trace-gc-nvp prints them (shortened: the figures the probe reads are kept).
const SCAVENGE =
  '[10122:0x3acd7000:0]       68 ms: pause=1.7 mutator=56.4 gc=s reduce_memory=0 scavenge=1.58 start_object_size=5000480 allocated=5000480 promoted=0 new_space_survived=134104 nodes_died_in_new=0';
const MARK_COMPACT =
  '[10122:0x3acd7000:0]      900 ms: pause=12.5 mutator=800.1 gc=mc reduce_memory=0 allocated=914408 promoted=100104 new_space_survived=34000';

describe('replica-probe', () => {
  it('sums the collections of a --trace-gc-nvp trace, and leaves out other output and a line cut off', () => {
    const text = `${SCAVENGE}\nsome log line with pause=99 but no collection\n${MARK_COMPACT}\n${SCAVENGE.slice(0, 60)}`;
    expect(gcFigures(text)).toEqual({ collections: 2, allocatedBytes: 5_000_480 + 914_408, survivedBytes: 134_104 + 34_000, pauseMs: 14.2 });
  });

  it('reads the counts of `perf stat -x ,`, leaving out the comment and what perf could not count', () => {
    const csv = [
      '# started on Mon Dec  7 01:35:27 2026',
      '',
      '18265,,raw_syscalls:sys_enter,1680718956,100.00,,',
      '5120,,syscalls:sys_enter_write,1680718956,100.00,,',
      '<not counted>,,syscalls:sys_enter_writev,0,100.00,,',
    ].join('\n');
    expect(perfCounts(csv)).toEqual({ 'raw_syscalls:sys_enter': 18_265, 'syscalls:sys_enter_write': 5_120 });
  });
});
