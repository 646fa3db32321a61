using System.Globalization;
using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Domain.Backtesting.Strategies;

/// <summary>The rsi-bollinger strategy's parameters (its defaults are the textbook ones).</summary>
public sealed record RsiBollingerParameters
{
    public int RsiPeriod { get; init; } = 14;

    public double EntryRsi { get; init; } = 30;

    public double ExitRsi { get; init; } = 50;

    public int BollingerPeriod { get; init; } = 20;

    public double BollingerDeviations { get; init; } = 2;

    /// <summary>The stake of every entry, in USDT of position value (notional), bought at leverage 1.</summary>
    public decimal Stake { get; init; } = 1_000m;
}

/// <summary>
/// A deliberately simple strategy, and a cross-check against other backtesters: long when RSI(14) is below 30 and the
/// close is below the lower Bollinger band (20, 2); out when RSI(14) rises above 50. A fixed stake, no stop, no target;
/// read on a candle's close, filled as the backtest says (the next open by default). Long only, one position at a time.
/// </summary>
public sealed class RsiBollingerStrategy(ContractSpec contract, RsiBollingerParameters parameters) : IBacktestStrategy
{
    private static readonly string[] Agreeing = ["rsi", "bollinger"];
    private readonly Rsi _rsi = new(parameters.RsiPeriod);
    private readonly BollingerBands _bands = new(parameters.BollingerPeriod, parameters.BollingerDeviations);

    public string Name => "rsi-bollinger";

    public StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity)
    {
        _rsi.Update(candle);
        _bands.Update(candle);
        if (_rsi.Value is not { } rsi || _bands.Value is not { } bands)
        {
            return null;
        }

        if (position.IsFlat && rsi < parameters.EntryRsi && (double)candle.Close < bands.Lower)
        {
            var lots = contract.RoundLotsDown(contract.LotsWorth(parameters.Stake, candle.Close));
            return lots == 0 ? null : new EnterAction(Side.Long, lots, 1, null, null,
                string.Create(CultureInfo.InvariantCulture, $"RSI {rsi:0.0} < {parameters.EntryRsi} and close {candle.Close} < lower band {bands.Lower:0.####}"), Agreeing);
        }

        return position.Lots > 0 && rsi > parameters.ExitRsi
            ? new ExitAction(string.Create(CultureInfo.InvariantCulture, $"RSI {rsi:0.0} > {parameters.ExitRsi}"))
            : null;
    }
}
