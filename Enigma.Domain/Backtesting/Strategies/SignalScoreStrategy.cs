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
/// </summary>
public sealed class SignalScoreStrategy : IBacktestStrategy
{
    private const long DayMs = 86_400_000;
    private readonly ContractSpec _contract;
    private readonly RiskParameters _risk;
    private readonly SignalEngine _engine;
    private readonly RiskInputs _inputs;
    private long _day = long.MinValue;
    private decimal _dayStartEquity;
    private int _losingStreak;

    public SignalScoreStrategy(ContractSpec contract, SignalParameters signal, RiskParameters risk, IReadOnlyList<Timeframe>? timeframes = null)
    {
        _contract = contract ?? throw new ArgumentNullException(nameof(contract));
        _risk = risk ?? throw new ArgumentNullException(nameof(risk));
        _engine = new SignalEngine(contract.Symbol, timeframes, signal);
        _inputs = new RiskInputs(contract);
    }

    public string Name => "signal-score";

    public StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity)
    {
        var output = _engine.Update(candle);
        _inputs.Update(candle);
        var day = (candle.OpenTimeMs + _engine.BaseTimeframe.Milliseconds) / DayMs;
        if (day != _day)
        {
            _day = day;
            _dayStartEquity = equity;
            if (_losingStreak >= _risk.MaxConsecutiveLosses)
            {
                _losingStreak = 0; // the operator's manual resume, a day later
            }
        }

        var side = output.Direction == SignalDirection.Long ? Side.Long : Side.Short;
        if (!position.IsFlat || output.Direction == SignalDirection.Neutral || _inputs.Request(side) is not { } request)
        {
            return null;
        }

        var decision = RiskGate.Evaluate(request, new PortfolioView(equity, _dayStartEquity, _losingStreak, []), _risk);
        if (decision.Order is not { } order)
        {
            return null;
        }

        var agreeing = output.Indicators.Where(i => side == Side.Long ? i.Contribution > 0 : i.Contribution < 0).Select(i => i.Name).ToArray();
        return new EnterAction(side, order.Lots, (int)order.Leverage, order.StopPrice, order.TakeProfitPrice,
            string.Create(CultureInfo.InvariantCulture, $"score {output.Score:+0;-0;0} ({output.Alignment}), risk approved {order.Lots} lots at {order.Leverage}x"), agreeing);
    }

    public void OnTradeClosed(BacktestTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        _losingStreak = trade.NetPnl < 0 ? _losingStreak + 1 : 0;
    }
}
