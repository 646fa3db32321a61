using System.Globalization;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Domain.Backtesting.Strategies;

/// <summary>
/// The seed's strategy, with the live agents' own code: the Signal agent's engine scores each closed candle (−130..+130
/// over the base timeframe and the ones built from it); a long or short verdict goes to the Risk agent's gate with the
/// same request the live Risk entity makes (entry at the close, ATR(14) in percent, the recent log returns) and a
/// portfolio kept the way the live one keeps it (equity, the UTC day's starting equity, the losing streak, the open
/// position); an approval is entered with its size, leverage, stop and take-profit, and the position ends on one of
/// those (or liquidation). One position per symbol at a time.
/// <para>
/// Live, five losses in a row stop the system until an operator resumes it by hand. A backtest has no operator: it
/// stands in for one by resuming at the next UTC day, so the rest of the data is still traded. Said in every report.
/// </para>
/// <para>
/// A parameter search reads the engine's output from a <see cref="SignalTape"/> recorded once per slice and signal
/// parameters, instead of running the engine again for every risk parameter: the same numbers (a spec proves it), most
/// of the work saved.
/// </para>
/// </summary>
public sealed class SignalScoreStrategy : IBacktestStrategy
{
    private const long DayMs = 86_400_000;
    private readonly RiskParameters _risk;
    private readonly double _minScore;
    private readonly SignalEngine? _engine;
    private readonly RiskInputs? _inputs;
    private readonly SignalTape? _tape;
    private readonly long _baseMs;
    private int _cursor = -1;
    private long _day = long.MinValue;
    private decimal _dayStartEquity;
    private int _losingStreak;

    /// <summary>Runs the Signal agent's engine and the Risk entity's inputs on every candle, as the live agents do.</summary>
    public SignalScoreStrategy(ContractSpec contract, SignalParameters signal, RiskParameters risk, IReadOnlyList<Timeframe>? timeframes = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        _risk = risk ?? throw new ArgumentNullException(nameof(risk));
        _engine = new SignalEngine(contract.Symbol, timeframes, signal);
        _inputs = new RiskInputs(contract);
        _minScore = _engine.Parameters.SignalMinScore;
        _baseMs = _engine.BaseTimeframe.Milliseconds;
    }

    /// <summary>Reads the engine's output and the risk inputs from a tape recorded on exactly the candles it will be shown.</summary>
    public SignalScoreStrategy(SignalTape tape, double minScore, RiskParameters risk)
    {
        _tape = tape ?? throw new ArgumentNullException(nameof(tape));
        _risk = risk ?? throw new ArgumentNullException(nameof(risk));
        if (minScore is <= 0 or > SignalParameters.MaxScore)
        {
            throw new ArgumentOutOfRangeException(nameof(minScore), minScore, $"SIGNAL_MIN_SCORE must lie in (0, {SignalParameters.MaxScore}].");
        }

        _minScore = minScore;
        _baseMs = tape.BaseTimeframe.Milliseconds;
    }

    public string Name => "signal-score";

    public StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity)
    {
        double score;
        Alignment alignment;
        SignalOutput? output = null;
        if (_tape is { } tape)
        {
            if (++_cursor >= tape.Count || tape.OpenTimeMs(_cursor) != candle.OpenTimeMs)
            {
                throw new InvalidOperationException($"the signal tape was recorded on other candles (candle {_cursor} opened at {candle.OpenTimeMs}).");
            }

            (score, alignment) = (tape.Score(_cursor), tape.Alignment(_cursor));
        }
        else
        {
            output = _engine!.Update(candle);
            _inputs!.Update(candle);
            (score, alignment) = (output.Score, output.Alignment);
        }

        var day = (candle.OpenTimeMs + _baseMs) / DayMs;
        if (day != _day)
        {
            _day = day;
            _dayStartEquity = equity;
            if (_losingStreak >= _risk.MaxConsecutiveLosses)
            {
                _losingStreak = 0; // the operator's manual resume, a day later
            }
        }

        var direction = SignalOutput.DirectionOf(score, _minScore);
        if (!position.IsFlat || direction == SignalDirection.Neutral)
        {
            return null;
        }

        var side = direction == SignalDirection.Long ? Side.Long : Side.Short;
        if ((_tape is { } t ? t.Risk.Request(_cursor, side) : _inputs!.Request(side)) is not { } request)
        {
            return null;
        }

        var decision = RiskGate.Evaluate(request, new PortfolioView(equity, _dayStartEquity, _losingStreak, []), _risk);
        if (decision.Order is not { } order)
        {
            return null;
        }

        var agreeing = _tape is { } recorded ? recorded.Agreeing(_cursor, side)
            : output!.Indicators.Where(i => side == Side.Long ? i.Contribution > 0 : i.Contribution < 0).Select(i => i.Name).ToArray();
        return new EnterAction(side, order.Lots, (int)order.Leverage, order.StopPrice, order.TakeProfitPrice,
            string.Create(CultureInfo.InvariantCulture, $"score {score:+0;-0;0} ({alignment}), risk approved {order.Lots} lots at {order.Leverage}x"), agreeing);
    }

    public void OnTradeClosed(BacktestTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        _losingStreak = trade.NetPnl < 0 ? _losingStreak + 1 : 0;
    }
}
