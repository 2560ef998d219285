import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { API, memoryStore, provideDashboardTesting, trade } from '../../testing/fakes';
import { AccountService } from './account.service';
import { mapMessagesToFields } from './api-errors';

describe('AccountService', () => {
  function setUp(stored: Record<string, string> = {}) {
    const store = memoryStore(stored);
    TestBed.configureTestingModule({ providers: [provideDashboardTesting({ store })] });
    return { store, accounts: TestBed.inject(AccountService), http: TestBed.inject(HttpTestingController) };
  }

  it('starts on the remembered account, or on default', () => {
    expect(setUp({ 'lotwise.account': 'desk-1' }).accounts.current()).toBe('desk-1');
    TestBed.resetTestingModule();
    expect(setUp({ 'lotwise.account': 'not valid!' }).accounts.current()).toBe('default');
  });

  it('persists a valid choice and refuses an invalid one', () => {
    const { accounts, store } = setUp();

    expect(accounts.select('desk_2')).toBe(true);
    expect(accounts.select('bad account')).toBe(false);

    expect(accounts.current()).toBe('desk_2');
    expect(store.data.get('lotwise.account')).toBe('desk_2');
    expect(JSON.parse(store.data.get('lotwise.accounts') ?? '[]')).toEqual(['desk_2']);
  });

  it('knows default, remembered accounts and the accounts of the latest 200 trades', () => {
    const { accounts, http } = setUp({ 'lotwise.accounts': '["zeta"]' });
    accounts.discover();
    http.expectOne(`${API}/trades?limit=200`).flush({
      items: [trade({ account: 'alpha' }), trade({ account: 'default' }), trade({ account: 'alpha' })],
      nextCursor: null,
    });

    expect(accounts.known()).toEqual(['default', 'alpha', 'zeta']);
    http.verify();
  });
});

describe('mapMessagesToFields', () => {
  it('sorts api messages by the field they start with', () => {
    expect(
      mapMessagesToFields(
        [
          'qty must not be 0',
          'symbol must be 1-16 characters',
          'property foo should not exist',
          'qty is required',
        ],
        {
          qty: 'quantity',
          symbol: 'symbol',
        },
      ),
    ).toEqual({
      fields: {
        quantity: ['qty must not be 0', 'qty is required'],
        symbol: ['symbol must be 1-16 characters'],
      },
      general: ['property foo should not exist'],
    });
  });
});
