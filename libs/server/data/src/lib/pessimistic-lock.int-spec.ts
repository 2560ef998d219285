import { DataSource, EntityManager } from 'typeorm';
import { PositionEntity } from './entities';
import { postgresSettingsFromEnv, typeOrmOptions } from './postgres-config';

// The matcher's guarantee rests on this: a pessimistic_write lock on a position row makes a second
// transaction on the same row wait until the first commits.
describe('pessimistic_write lock (real PostgreSQL)', () => {
  const dataSource = new DataSource(typeOrmOptions(postgresSettingsFromEnv(), 'lotwise-lock-test'));
  const account = `lock-${process.pid}`;

  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(
      `INSERT INTO positions (account, symbol) VALUES ($1, 'LOCK') ON CONFLICT DO NOTHING`,
      [account],
    );
  });

  afterAll(async () => {
    await dataSource.query(`DELETE FROM positions WHERE account = $1`, [account]);
    await dataSource.destroy();
  });

  const lockPosition = (manager: EntityManager) =>
    manager
      .getRepository(PositionEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where('p.account = :account AND p.symbol = :symbol', { account, symbol: 'LOCK' })
      .getOneOrFail();

  it('blocks a second transaction until the first commits', async () => {
    const events: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstHasLock: () => void = () => undefined;
    const firstLocked = new Promise<void>((resolve) => (firstHasLock = resolve));

    const first = dataSource.transaction(async (manager) => {
      await lockPosition(manager);
      events.push('first locked');
      firstHasLock();
      await firstMayCommit;
      await manager.query(`UPDATE positions SET open_qty = open_qty + 1 WHERE account = $1`, [account]);
      events.push('first commits');
    });

    await firstLocked;
    const second = dataSource.transaction(async (manager) => {
      const row = await lockPosition(manager);
      events.push(`second locked, saw open_qty ${row.openQty}`);
    });

    // Give the second transaction ample time to (wrongly) get through.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(events).toEqual(['first locked']);

    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first locked', 'first commits', 'second locked, saw open_qty 1']);
  });

  it('lets transactions on different rows proceed in parallel', async () => {
    await dataSource.query(
      `INSERT INTO positions (account, symbol) VALUES ($1, 'OTHER') ON CONFLICT DO NOTHING`,
      [account],
    );
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = dataSource.transaction(async (manager) => {
      await lockPosition(manager);
      locked();
      await held;
    });
    await isLocked;
    const other = await dataSource.transaction((manager) =>
      manager
        .getRepository(PositionEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.account = :account AND p.symbol = :symbol', { account, symbol: 'OTHER' })
        .getOneOrFail(),
    );
    expect(other.symbol).toBe('OTHER');
    release();
    await holder;
  });
});
