using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Domain.Risk;

/// <summary>
/// What the Risk agent keeps per symbol to ask the gate about a signal: ATR(14) and the last 200 log returns of the
/// closed candles, and the last close (the entry price a request assumes). One implementation for the live Risk entity
/// and the backtests (the signal-score strategy, and the tapes a parameter search records once and replays), so all of
/// them ask the gate the same question.
/// </summary>
public sealed class RiskInputs
{
    public const int ReturnsKept = 200;
    private readonly ContractSpec _contract;
    private readonly AverageTrueRange _atr = new();
    private readonly bool _retainHistory;
    private double[] _returns = new double[2 * ReturnsKept];
    private int _start;
    private int _end;
    private long _lastOpenTimeMs = long.MinValue;

    /// <param name="contract">The symbol's contract.</param>
    /// <param name="retainHistory">
    /// Keep every return instead of the last 200, so that a <see cref="Mark"/> taken at any candle can still be turned
    /// into that candle's request later (a recorded tape); live, only the last 200 are kept.
    /// </param>
    public RiskInputs(ContractSpec contract, bool retainHistory = false)
    {
        _contract = contract ?? throw new ArgumentNullException(nameof(contract));
        _retainHistory = retainHistory;
    }

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
            Append(Math.Log((double)(candle.Close / LastClose)));
        }

        LastClose = candle.Close;
        _lastOpenTimeMs = candle.OpenTimeMs;
    }

    /// <summary>The gate's request for a trade on <paramref name="side"/> at the last close; null before ATR is warm.</summary>
    public RiskRequest? Request(Side side) => RequestAt(Mark(), side);

    /// <summary>Where the inputs stand now (last close, ATR in percent, how many returns so far).</summary>
    public RiskInputsMark Mark() => new(LastClose, _atr.Value is { } atr && LastClose > 0 ? atr / (double)LastClose * 100 : null, _end);

    /// <summary>
    /// The request as it was when <paramref name="mark"/> was taken: the current one, or with a retained history any
    /// earlier one (its returns are a view of the history, not a copy).
    /// </summary>
    public RiskRequest? RequestAt(RiskInputsMark mark, Side side)
    {
        if (mark.AtrPercent is not { } atrPercent)
        {
            return null;
        }

        if (!_retainHistory && mark.ReturnsEnd != _end)
        {
            throw new InvalidOperationException("only the current request can be made without a retained history.");
        }

        var count = Math.Min(ReturnsKept, mark.ReturnsEnd - _start);
        IReadOnlyList<double> returns = _retainHistory
            ? new ArraySegment<double>(_returns, mark.ReturnsEnd - count, count)
            : _returns.AsSpan(mark.ReturnsEnd - count, count).ToArray();
        return new RiskRequest(_contract, side, mark.LastClose, atrPercent, returns);
    }

    private void Append(double value)
    {
        if (_end == _returns.Length)
        {
            if (_retainHistory)
            {
                // Earlier views keep the old array, whose values never change.
                Array.Resize(ref _returns, _returns.Length * 2);
            }
            else
            {
                // Live: slide the last 200 to the front; a copy every 200 candles, no allocation.
                Array.Copy(_returns, _end - ReturnsKept, _returns, 0, ReturnsKept);
                _start = 0;
                _end = ReturnsKept;
            }
        }

        _returns[_end++] = value;
        if (!_retainHistory && _end - _start > ReturnsKept)
        {
            _start++;
        }
    }
}

/// <summary>The risk inputs at one candle: last close, ATR in percent (null while warming), and the returns so far.</summary>
public readonly record struct RiskInputsMark(decimal LastClose, double? AtrPercent, int ReturnsEnd);
