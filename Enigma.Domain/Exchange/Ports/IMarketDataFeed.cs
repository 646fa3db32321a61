using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

/// <summary>A push of a symbol's forming candle, volume in base units; the venue does not say when it closed.</summary>
public sealed record FormingCandle(string Symbol, Candle Candle);

/// <summary>A symbol's level-2 book kept live from the venue's stream.</summary>
public interface ILiveOrderBook
{
    /// <summary>Raised after each change of the live book, on the stream's thread.</summary>
    event Action? Updated;

    /// <summary>Subscribes and takes the first snapshot (attach <see cref="Updated"/> first).</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Reads the book under its lock; false while it resynchronises.</summary>
    bool TryRead<T>(Func<OrderBook, long, T> read, out T? value);
}

/// <summary>
/// The market-data port: what the Data agent needs from a venue. The venue's wire format (KuCoin's JSON, its field
/// order and units) stays in the adapter; candles arrive here with prices as quoted and volume in base units.
/// </summary>
public interface IMarketDataFeed
{
    /// <summary>The venue's clock.</summary>
    Task<long> ServerTimeAsync(CancellationToken cancellationToken);

    /// <summary>5-minute candles from <paramref name="fromMs"/> to <paramref name="toMs"/>; the last may still be forming.</summary>
    Task<IReadOnlyList<Candle>> CandleHistoryAsync(ContractSpec contract, long fromMs, long toMs, CancellationToken cancellationToken);

    /// <summary>
    /// Follows the symbol's forming 5-minute candle. <paramref name="onCandle"/> runs on the stream's receive loop
    /// and may block (that is the back-pressure); a push that cannot be read goes to <paramref name="onRefused"/>.
    /// </summary>
    Task SubscribeCandlesAsync(ContractSpec contract, Action<FormingCandle> onCandle, Action<string> onRefused, CancellationToken cancellationToken);

    /// <summary>A live book for <paramref name="symbol"/>, not yet started.</summary>
    ILiveOrderBook OrderBook(string symbol);
}

/// <summary>
/// The exchange as a node sees it, connected: the order gateway, the account probe, the market data and the
/// market's clock. Each venue's adapter makes one (KuCoin, or the simulator speaking KuCoin).
/// </summary>
public interface IExchangeConnection : IAsyncDisposable
{
    /// <summary>For the log: where it is (never a credential).</summary>
    string Description { get; }

    IExchangeGateway Orders { get; }

    /// <summary>The account's equity when the node connected.</summary>
    decimal StartingEquity { get; }

    /// <summary>The market's time: the replay's on the simulator, the wall clock's on a real exchange.</summary>
    long MarketTimeMs();

    Task<decimal> EquityAsync(CancellationToken cancellationToken);

    /// <summary>The Audit agent's window on the account and the market-data link.</summary>
    IAuditProbe AuditProbe(string clockSymbol);

    /// <summary>Opens the market-data streams.</summary>
    Task<IMarketDataFeed> OpenMarketDataAsync(CancellationToken cancellationToken);
}
