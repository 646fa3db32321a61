// ccxt's kucoinfutures against the Enigma simulator, configured as kucoin-futures-api.md section 7.1 says.
// Usage: node ccxt-kucoinfutures.mjs BASE_URL API_KEY API_SECRET API_PASSPHRASE
// Prints one JSON object of what each call returned; any failure exits non-zero with the error on stderr.
import ccxt from 'ccxt';

const [base, apiKey, secret, password] = process.argv.slice(2);
const urls = Object.fromEntries(['futuresPublic', 'futuresPrivate', 'public', 'private', 'uta', 'utaV2', 'utaPrivate', 'webExchange', 'broker', 'earn'].map(k => [k, base]));
const ex = new ccxt.pro.kucoinfutures({ apiKey, secret, password, urls: { api: urls }, options: { uta: false, hf: false }, has: { fetchCurrencies: false } });
const symbol = 'BTC/USDT:USDT';
const out = {};
const step = async (name, fn) => {
  try {
    out[name] = await fn();
  } catch (e) {
    console.error(`${name}: ${e.constructor.name}: ${e.message}`);
    process.exit(1);
  }
};

await ex.loadHttpProxyAgent();
await step('markets', async () => {
  const markets = await ex.loadMarkets(false, { marginables: false });
  const m = markets[symbol];
  return { count: Object.keys(markets).length, id: m.id, contractSize: m.contractSize, swap: m.swap, tick: m.precision.price };
});
await step('ohlcv', async () => {
  const rows = await ex.fetchOHLCV(symbol, '5m');
  return { rows: rows.length, first: rows[0][0], last: rows[rows.length - 1][0], ordered: rows.every((r, i) => i === 0 || r[0] > rows[i - 1][0]) };
});
await step('ticker', async () => {
  const t = await ex.fetchTicker(symbol);
  return { bid: t.bid, ask: t.ask, last: t.last, timestamp: t.timestamp };
});
await step('book', async () => {
  const b = await ex.fetchOrderBook(symbol);
  return { bids: b.bids.length, asks: b.asks.length, bestBid: b.bids[0][0], bestAsk: b.asks[0][0] };
});
await step('limitOrder', async () => {
  const price = Math.floor(out.book.bestBid * 0.9);
  const placed = await ex.createOrder(symbol, 'limit', 'buy', 1, price, { clientOrderId: 'ccxt-limit-1', leverage: 5 });
  const open = await ex.fetchOpenOrders(symbol);
  await ex.cancelOrder(placed.id, symbol);
  const after = await ex.fetchOrder(placed.id, symbol);
  return { id: placed.id, openBefore: open.length, statusAfter: after.status, price: after.price };
});
await step('marketOrder', async () => {
  const placed = await ex.createOrder(symbol, 'market', 'buy', 2, undefined, { clientOrderId: 'ccxt-market-1', leverage: 5 });
  const order = await ex.fetchOrder(placed.id, symbol);
  return { status: order.status, filled: order.filled, average: order.average };
});
await step('positions', async () => {
  const positions = await ex.fetchPositions([symbol]);
  const p = positions.find(x => x.symbol === symbol);
  return { contracts: p.contracts, side: p.side, entryPrice: p.entryPrice };
});
await step('balance', async () => {
  const b = await ex.fetchBalance();
  return { total: b.USDT.total, free: b.USDT.free, used: b.USDT.used };
});
await step('watchTicker', async () => {
  const t = await ex.watchTicker(symbol);
  return { bid: t.bid, ask: t.ask, last: t.last };
});
await step('watchOrderBook', async () => {
  const b = await ex.watchOrderBook(symbol);
  return { bids: b.bids.length, asks: b.asks.length, bestBid: b.bids[0][0], bestAsk: b.asks[0][0], nonce: b.nonce };
});
await ex.close();
console.log(JSON.stringify(out));
process.exit(0);
