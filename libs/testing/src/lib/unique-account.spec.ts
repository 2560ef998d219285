import { uniqueAccount } from './unique-account';

describe('uniqueAccount', () => {
  it('starts with the prefix and differs from call to call', () => {
    const first = uniqueAccount('web');
    const second = uniqueAccount('web');

    expect(first).toMatch(/^web-[0-9a-z]+-[0-9a-z]*$/);
    expect(second).not.toBe(first);
  });
});
