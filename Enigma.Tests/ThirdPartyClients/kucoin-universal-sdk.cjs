// KuCoin's official universal SDK against the Enigma simulator, configured as kucoin-futures-api.md section 7.2 says.
// Usage: node kucoin-universal-sdk.cjs BASE_URL API_KEY API_SECRET API_PASSPHRASE
// Prints one JSON object of what each call returned; any failure exits non-zero with the error on stderr.
const { ClientOptionBuilder, DefaultClient, WebSocketClientOptionBuilder, Futures } = require('kucoin-universal-sdk');

const [base, key, secret, passphrase] = process.argv.slice(2);
const options = new ClientOptionBuilder()
  .setKey(key).setSecret(secret).setPassphrase(passphrase)
  .setFuturesEndpoint(base).setSpotEndpoint(base).setBrokerEndpoint(base)
  .setWebSocketClientOption(new WebSocketClientOptionBuilder().build())
  .build();
const client = new DefaultClient(options);
const futures = client.restService().getFuturesService();
const symbol = 'XBTUSDTM';
const out = {};

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    console.error(`${name}: ${e && e.constructor ? e.constructor.name : 'error'}: ${e && e.message ? e.message : e}`);
    process.exit(1);
  }
}

function firstMessage(subscribe, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    subscribe((topic, subject, data) => { clearTimeout(timer); resolve({ topic, subject, data }); });
  });
}

(async () => {
  await step('contracts', async () => {
    const r = await futures.getMarketApi().getAllSymbols();
    const xbt = r.data.find(c => c.symbol === symbol);
    return { count: r.data.length, multiplier: xbt.multiplier, tickSize: xbt.tickSize, rateLimit: r.commonResponse.rateLimit };
  });
  await step('klines', async () => {
    const r = await futures.getMarketApi().getKlines(Futures.Market.GetKlinesReq.builder().setSymbol(symbol).setGranularity(60).build());
    return { rows: r.data.length, first: r.data[0][0] };
  });
  await step('ticker', async () => {
    const r = await futures.getMarketApi().getTicker(Futures.Market.GetTickerReq.builder().setSymbol(symbol).build());
    return { bid: r.bestBidPrice, ask: r.bestAskPrice, ts: r.ts };
  });
  await step('book', async () => {
    const r = await futures.getMarketApi().getFullOrderBook(Futures.Market.GetFullOrderBookReq.builder().setSymbol(symbol).build());
    return { bids: r.bids.length, asks: r.asks.length, bestBid: r.bids[0][0], sequence: r.sequence };
  });
  await step('limitOrder', async () => {
    const price = String(Math.floor(Number(out.book.bestBid) * 0.9));
    const placed = await futures.getOrderApi().addOrder(Futures.Order.AddOrderReq.builder()
      .setClientOid('sdk-limit-1').setSide('buy').setSymbol(symbol).setLeverage(3).setType('limit').setPrice(price).setSize(1).build());
    const cancelled = await futures.getOrderApi().cancelOrderById(Futures.Order.CancelOrderByIdReq.builder().setOrderId(placed.orderId).build());
    return { orderId: placed.orderId, cancelled: cancelled.cancelledOrderIds };
  });
  await step('marketOrder', async () => {
    const placed = await futures.getOrderApi().addOrder(Futures.Order.AddOrderReq.builder()
      .setClientOid('sdk-market-1').setSide('buy').setSymbol(symbol).setLeverage(3).setType('market').setSize(2).build());
    const order = await futures.getOrderApi().getOrderByOrderId(Futures.Order.GetOrderByOrderIdReq.builder().setOrderId(placed.orderId).build());
    return { status: order.status, filledSize: order.filledSize, avgDealPrice: order.avgDealPrice };
  });
  await step('position', async () => {
    const p = await futures.getPositionsApi().getPositionDetails(Futures.Positions.GetPositionDetailsReq.builder().setSymbol(symbol).build());
    return { currentQty: p.currentQty, avgEntryPrice: p.avgEntryPrice, isOpen: p.isOpen };
  });
  await step('account', async () => {
    const a = await client.restService().getAccountService().getAccountApi().getFuturesAccount(
      require('kucoin-universal-sdk').Account.Account.GetFuturesAccountReq.builder().setCurrency('USDT').build());
    return { accountEquity: a.accountEquity, availableBalance: a.availableBalance, currency: a.currency };
  });
  const ws = client.wsService().newFuturesPublicWS();
  await ws.start();
  await step('wsTicker', async () => {
    const m = await firstMessage(cb => ws.tickerV2(symbol, cb), 15000);
    return { topic: m.topic, bid: m.data.bestBidPrice, ask: m.data.bestAskPrice, ts: m.data.ts };
  });
  await step('wsLevel2', async () => {
    const m = await firstMessage(cb => ws.orderbookIncrement(symbol, cb), 15000);
    return { topic: m.topic, sequence: m.data.sequence, change: m.data.change };
  });
  await ws.stop();
  console.log(JSON.stringify(out));
  process.exit(0);
})();
