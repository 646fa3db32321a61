using System.Text.Json;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.MarketData;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;

namespace Enigma.Exchange.KuCoin.Adapters;

/// <summary>The market-data port over KuCoin's REST klines, its candle topic and its level-2 book.</summary>
public sealed class KuCoinMarketDataFeed(KuCoinRestClient rest, KuCoinWebSocketClient stream) : IMarketDataFeed
{
    public Task<long> ServerTimeAsync(CancellationToken cancellationToken) => rest.GetServerTimeAsync(cancellationToken);

    public async Task<IReadOnlyList<Candle>> CandleHistoryAsync(ContractSpec contract, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var klines = await rest.GetKlineHistoryAsync(contract.Symbol, 5, fromMs, toMs, cancellationToken).ConfigureAwait(false);
        return [.. klines.Select(k => k.ToCandle(contract))];
    }

    public Task SubscribeCandlesAsync(ContractSpec contract, Action<FormingCandle> onCandle, Action<string> onRefused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(onCandle);
        ArgumentNullException.ThrowIfNull(onRefused);
        return stream.SubscribeAsync($"/contractMarket/limitCandle:{contract.Symbol}_5min", push =>
        {
            FormingCandle candle;
            try
            {
                candle = KuCoinCandlePush.Parse(push.Data, contract);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
            {
                onRefused(e.Message);
                return;
            }

            onCandle(candle);
        }, cancellationToken);
    }

    public ILiveOrderBook OrderBook(string symbol) => new LiveBook(new KuCoinOrderBookFeed(symbol, stream, rest));

    /// <summary>KuCoin's synchronised level-2 book as the port's live book.</summary>
    private sealed class LiveBook : ILiveOrderBook
    {
        private readonly KuCoinOrderBookFeed _feed;

        public LiveBook(KuCoinOrderBookFeed feed)
        {
            _feed = feed;
            feed.Updated += _ => Updated?.Invoke();
        }

        public event Action? Updated;

        public Task StartAsync(CancellationToken cancellationToken) => _feed.StartAsync(cancellationToken);

        public bool TryRead<T>(Func<OrderBook, long, T> read, out T? value) => _feed.TryRead(read, out value);
    }
}
