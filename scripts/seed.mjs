#!/usr/bin/env node
// `npm run seed`: posts the seed's trades (seed/trades.json) through the running api, then prints the books.
// Each trade carries a clientTradeId, so running it twice records nothing new.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const api = (process.env.LOTWISE_API_URL || 'http://127.0.0.1:3001').replace(/\/$/, '');
const file = process.argv[2] || join(root, 'seed', 'trades.json');
const trades = JSON.parse(readFileSync(file, 'utf8'));

const ids = [];
for (const trade of trades) {
  const response = await fetch(`${api}/trades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(trade),
  }).catch((error) => {
    console.error(`[seed] the api at ${api} did not answer (${error.message}); is \`npm start\` running?`);
    process.exit(1);
  });
  const body = await response.json();
  if (response.status !== 202 && response.status !== 200) {
    console.error(`[seed] ${JSON.stringify(trade)} → ${response.status} ${JSON.stringify(body.message)}`);
    process.exit(1);
  }
  ids.push(body.id);
  console.log(
    `[seed] ${response.status === 202 ? 'recorded' : 'already recorded'} trade ${body.id}: ${trade.qty} ${trade.symbol} @ ${trade.price}`,
  );
}

const deadline = Date.now() + 30_000;
for (const id of ids) {
  for (;;) {
    const trade = await (await fetch(`${api}/trades/${id}`)).json();
    if (trade.status !== 'PENDING') {
      console.log(`[seed] trade ${id} ${trade.status}${trade.rejectReason ? `: ${trade.rejectReason}` : ''}`);
      break;
    }
    if (Date.now() > deadline) {
      console.error(`[seed] trade ${id} still PENDING after 30 s; is the matcher running?`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const getJson = async (path) => (await fetch(`${api}${path}`)).json();
// The positions the seed traded, each with the first page of its lots (reads are paged; see README).
const seeded = [
  ...new Set(trades.map((t) => `${t.account ?? 'default'}|${String(t.symbol).trim().toUpperCase()}`)),
];
for (const key of seeded) {
  const [account, symbol] = key.split('|');
  const query = new URLSearchParams({ account, symbol });
  const [position] = (await getJson(`/positions?${query}`)).items;
  if (!position) {
    console.log(`[seed] ${account}/${symbol}: nothing open`);
    continue;
  }
  const lots = await getJson(
    `/positions/${encodeURIComponent(account)}/${encodeURIComponent(symbol)}/lots?limit=500`,
  );
  const remaining = lots.items.map((l) => l.remainingQty).join(', ');
  console.log(
    `[seed] ${account}/${symbol}: ${position.quantity} open at average ${position.averageCost} in ${lots.nextCursor ? 'more than ' : ''}${lots.items.length} lots (${remaining})`,
  );
}
const pnl = await getJson('/pnl?limit=1');
console.log(`[seed] realized P&L total ${pnl.total}`);
