import { sleep, waitUntil } from './wait';

describe('waitUntil', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves as soon as the probe answers true, polling every 200 ms', async () => {
    let calls = 0;
    let resolved = false;
    const waiting = waitUntil('the third call', 10_000, async () => ++calls === 3).then(
      () => (resolved = true),
    );

    await jest.advanceTimersByTimeAsync(200);
    expect(calls).toBe(2);
    expect(resolved).toBe(false);
    await jest.advanceTimersByTimeAsync(200);
    await waiting;
    expect(calls).toBe(3);
  });

  it('times out with the description and the timeout in the message', async () => {
    let calls = 0;
    const waiting = waitUntil('the matcher on :3002', 1000, async () => {
      calls++;
      return false;
    });
    const outcome = expect(waiting).rejects.toThrow(
      'timed out after 1000 ms waiting for the matcher on :3002',
    );

    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(6);
    await jest.advanceTimersByTimeAsync(200);
    await outcome;
    expect(calls).toBe(7);
  });

  it('rejects at once with the error the probe throws', async () => {
    let calls = 0;
    await expect(
      waitUntil('an api that exited', 60_000, async () => {
        calls++;
        throw new Error('api exited with 1');
      }),
    ).rejects.toThrow('api exited with 1');
    expect(calls).toBe(1);
  });
});

describe('sleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves after the given time, not before', async () => {
    let done = false;
    const sleeping = sleep(500).then(() => (done = true));

    await jest.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });
});
