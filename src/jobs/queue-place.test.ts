import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { placeStep, QueuePlaceShown } from './queue-place.js';

function setup() {
  const clock = new ManualClock();
  const shown: string[] = [];
  const places = new QueuePlaceShown((place, rewrite) => shown.push(`${clock.now()}:${place ?? '-'}${rewrite ? '' : ' (no rewrite)'}`), clock);
  return { clock, shown, places };
}

describe('QueuePlaceShown', () => {
  it('steps: every place up to 5th, then 5 up to 20th, then 10', () => {
    expect([1, 5, 6, 20, 21, 200].map(placeStep)).toEqual([1, 1, 5, 5, 10, 10]);
  });

  it('shows the first place at once, then a step at most every 5 s, and the turn without a rewrite', async () => {
    const { clock, shown, places } = setup();
    // a queue of 60 moving one place every 100 ms: FairQueue reports all 59 moves
    for (let place = 60; place >= 1; place--) {
      places.update(place);
      clock.advance(100);
      await Promise.resolve();
    }
    places.update(0);
    expect(shown).toEqual(['0:60', '5000:11', '6000:- (no rewrite)']); // 3 writes where every move would be 60
  });

  it('a move held back by the interval is shown when it ends, if it is still a step away', async () => {
    const { clock, shown, places } = setup();
    places.update(3);
    clock.advance(1_000);
    places.update(2); // a step, but within 5 s of the last rewrite
    places.update(3); // back where it was shown: nothing to show at the end of the interval
    clock.advance(4_000);
    await Promise.resolve();
    places.update(2);
    clock.advance(5_000);
    await Promise.resolve();
    expect(shown).toEqual(['0:3', '5000:2']);
    places.update(25);
    clock.advance(10_000);
    await Promise.resolve();
    expect(shown).toEqual(['0:3', '5000:2', '10000:25']);
    places.stop();
    places.update(1);
    expect(shown).toHaveLength(3);
  });
});
