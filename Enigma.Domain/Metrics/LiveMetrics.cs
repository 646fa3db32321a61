using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;

namespace Enigma.Domain.Metrics;

/// <summary>
/// The seed's live metrics from what the bus carries, pure: the round trips (for win rate, profit factor, Sharpe,
/// drawdown), each indicator's accuracy (did the trades it agreed with win), fill quality, and the latest signal of
/// each symbol. The Audit agent feeds it; backtests compute the same metrics from their own trades.
/// </summary>
public sealed class LiveMetrics
{
    private readonly List<ClosedTrade> _trades = [];
    private readonly Dictionary<string, SignalOutput> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long WallMs, SignalOutput Signal)> _inForce = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _agreeing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Agreed, int Won)> _accuracy = new(StringComparer.Ordinal);

    public FillQuality Fills { get; private set; } = FillQuality.None;

    public IReadOnlyList<ClosedTrade> Trades => _trades;

    public IReadOnlyList<SignalOutput> LatestSignals => [.. _latest.Values.OrderBy(v => v.Symbol, StringComparer.Ordinal)];

    public IReadOnlyList<IndicatorAccuracy> Accuracy => [.. _accuracy.Select(a => new IndicatorAccuracy(a.Key, a.Value.Agreed, a.Value.Won)).OrderBy(a => a.Indicator, StringComparer.Ordinal)];

    /// <summary>A signal of a symbol (seen at <paramref name="wallMs"/>); a directional one is the one in force. Returns whether it was directional.</summary>
    public bool Signal(SignalOutput signal, long wallMs)
    {
        ArgumentNullException.ThrowIfNull(signal);
        _latest[signal.Symbol] = signal;
        if (signal.Direction == SignalDirection.Neutral)
        {
            return false;
        }

        _inForce[signal.Symbol] = (wallMs, signal);
        return true;
    }

    /// <summary>The directional signal in force on <paramref name="symbol"/>, with when it was seen.</summary>
    public (long WallMs, SignalOutput Signal)? InForce(string symbol) => _inForce.TryGetValue(symbol, out var signal) ? signal : null;

    public void Fill(OrderSide side, decimal expectedPrice, decimal price) => Fills = Fills.Add(FillQuality.Slippage(side, expectedPrice, price));

    /// <summary>
    /// A position opened: the signal in force is the one it was taken on, and its indicators that pointed the same
    /// way are the ones whose accuracy this trade will count for.
    /// </summary>
    public void Opened(string symbol, Side side)
    {
        if (_inForce.TryGetValue(symbol, out var signal))
        {
            var sign = side == Side.Long ? 1 : -1;
            _agreeing[symbol] = [.. signal.Signal.Indicators.Where(i => Math.Sign(i.Contribution) == sign).Select(i => i.Name)];
        }
    }

    public void Closed(ClosedTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        _trades.Add(trade);
        if (_agreeing.Remove(trade.Symbol, out var indicators))
        {
            foreach (var name in indicators)
            {
                var (agreed, won) = _accuracy.GetValueOrDefault(name);
                _accuracy[name] = (agreed + 1, won + (trade.NetPnl > 0 ? 1 : 0));
            }
        }
    }

    public TradingMetricsReport Metrics(decimal startingEquity, long nowMs) => TradingMetrics.Compute(_trades, startingEquity, nowMs);
}
