using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Domain.Risk;

/// <summary>
/// What the Risk agent keeps per symbol to ask the gate about a signal: ATR(14) and the last 200 log returns of the
/// closed candles, and the last close (the entry price a request assumes). One implementation for the live Risk entity
/// and the backtest's signal-score strategy, so both ask the gate the same question.
/// </summary>
public sealed class RiskInputs(ContractSpec contract)
{
    private const int ReturnsKept = 200;
    private readonly AverageTrueRange _atr = new();
    private readonly Queue<double> _returns = new();
    private long _lastOpenTimeMs = long.MinValue;

    public decimal LastClose { get; private set; }

    /// <summary>A closed candle; one not newer than the last, or with impossible prices, is ignored.</summary>
    public void Update(in Candle candle)
    {
        if (candle.OpenTimeMs <= _lastOpenTimeMs || candle.DescribeOhlcViolation() is not null)
        {
            return;
        }

        _atr.Update(candle);
        if (LastClose > 0)
        {
            _returns.Enqueue(Math.Log((double)(candle.Close / LastClose)));
            if (_returns.Count > ReturnsKept)
            {
                _returns.Dequeue();
            }
        }

        LastClose = candle.Close;
        _lastOpenTimeMs = candle.OpenTimeMs;
    }

    /// <summary>The gate's request for a trade on <paramref name="side"/> at the last close; null before ATR is warm.</summary>
    public RiskRequest? Request(Side side) =>
        _atr.Value is { } atr && LastClose > 0
            ? new RiskRequest(contract, side, LastClose, atr / (double)LastClose * 100, _returns.ToArray())
            : null;
}
