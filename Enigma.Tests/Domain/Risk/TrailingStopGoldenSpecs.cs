using System.Globalization;
using System.Text;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Risk;

/// <summary>
/// The staircase trailing stop on 90 days of real ETH perpetual candles, pinned in Enigma.Tests/Golden: a position
/// opened each UTC midnight (long and short on alternate days, 10x, the seed's stop at 5% ROI, a far target), run
/// through the backtester with the trailing stop on. The file lists every trade and every move of its stop, computed
/// by <see cref="TrailingStops.Next"/>, the call the live Execution agent makes on each closed candle. Regenerate with
/// ENIGMA_UPDATE_GOLDEN=1.
/// </summary>
public sealed class TrailingStopGoldenSpecs
{
    private const string GoldenFile = "trailing-stop-ETHUSDTM-5m.txt";
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private static readonly TrailingStopParameters Staircase = TrailingStopParameters.From(RiskParameters.Default);
    private static readonly Lazy<Candle[]> Candles = new(() => [.. CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles]);

    [Fact]
    public void Trailing_stop_moves_on_the_shipped_ETH_candles_must_match_the_golden_file()
    {
        var actual = Render(Run(Staircase));
        var path = Path.Combine(TestFiles.RepositoryRoot, "Enigma.Tests", "Golden", GoldenFile);
        if (Environment.GetEnvironmentVariable("ENIGMA_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with ENIGMA_UPDATE_GOLDEN=1 and commit it.");
        var expected = File.ReadAllLines(path);
        var lines = actual.Split('\n').SkipLast(1).ToArray();
        for (var i = 0; i < Math.Min(expected.Length, lines.Length); i++)
        {
            Assert.True(expected[i] == lines[i], $"{GoldenFile} line {i + 1} differs.\nexpected: {expected[i]}\nactual:   {lines[i]}\nIf the change is intended, regenerate with ENIGMA_UPDATE_GOLDEN=1 and explain it in the commit.");
        }

        Assert.Equal(expected.Length, lines.Length);
    }

    [Fact]
    public void A_backtest_with_the_trailing_stop_locks_in_profit_that_the_fixed_stop_gives_back()
    {
        var trailed = Run(Staircase);
        var fixedStops = Run(null);
        // A stop that moved past the entry closes the trade in profit: only a trailing stop can.
        var locked = trailed.Trades.Where(t => t.Exit == ExitKind.StopLoss && (t.Side == Side.Long ? t.ExitPrice > t.EntryPrice : t.ExitPrice < t.EntryPrice)).ToList();
        Assert.NotEmpty(locked);
        Assert.DoesNotContain(fixedStops.Trades, t => t.Exit == ExitKind.StopLoss && (t.Side == Side.Long ? t.ExitPrice > t.EntryPrice : t.ExitPrice < t.EntryPrice));

        // Each of those exits is at (or, slipping through the book, near) the last stop the staircase set for it.
        foreach (var trade in locked)
        {
            var last = Moves(trade).Last().Stop;
            Assert.True(Math.Abs(trade.ExitPrice - last) / last < 0.003m, $"{Candle.FormatTime(trade.ClosedAtMs)}: exit {trade.ExitPrice}, last stop {last}");
        }
    }

    private static BacktestResult Run(TrailingStopParameters? trailing) =>
        Backtester.Run(Candles.Value, Eth, Timeframe.FiveMinutes, new MidnightEntries(), new BacktestSettings { Trailing = trailing });

    /// <summary>The stop's moves over a trade: the staircase over each closed candle from its entry to its exit.</summary>
    private static List<(long TimeMs, decimal Close, decimal Stop)> Moves(BacktestTrade trade)
    {
        var stop = MidnightEntries.StopFor(trade.Side, trade.EntryPrice);
        var moves = new List<(long, decimal, decimal)>();
        foreach (var candle in Candles.Value.Where(c => c.OpenTimeMs >= trade.OpenedAtMs && c.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds <= trade.ClosedAtMs))
        {
            if (TrailingStops.Next(Eth, trade.Side, trade.EntryPrice, trade.Leverage, stop, candle.Close, Staircase) is { } next)
            {
                stop = next;
                moves.Add((candle.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds, candle.Close, next));
            }
        }

        return moves;
    }

    private static string Render(BacktestResult result)
    {
        var text = new StringBuilder();
        text.Append("# the staircase trailing stop (activation 10, step 5, distance 5 ROI %) on knowledge-bank/historical-data/candles/bybit-linear/ETHUSDT-5m.csv.gz as ETHUSDTM\n");
        text.Append("# a position each UTC midnight (long on even days, short on odd), 10x, stop at 5% ROI, target at 40% ROI; backtested with the trailing stop on\n");
        text.Append("# regenerate: ENIGMA_UPDATE_GOLDEN=1 dotnet test Enigma.sln -c Release --filter TrailingStopGoldenSpecs (and say why in the commit)\n");
        text.Append(CultureInfo.InvariantCulture, $"trades {result.Trades.Count}; by exit {string.Join(", ", result.Trades.GroupBy(t => t.Exit).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}; net {result.Trades.Sum(t => t.NetPnl):0.00}\n");
        foreach (var trade in result.Trades)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Candle.FormatTime(trade.OpenedAtMs)} {trade.Side} {trade.Lots} at {trade.EntryPrice} -> {Candle.FormatTime(trade.ClosedAtMs)} {trade.Exit} at {trade.ExitPrice} net {trade.NetPnl:0.00}\n");
            foreach (var (time, close, stop) in Moves(trade))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {Candle.FormatTime(time)} close {close} stop {stop}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>Opens a position at each UTC midnight when flat: long on even days, short on odd ones.</summary>
    private sealed class MidnightEntries : IBacktestStrategy
    {
        private const int Leverage = 10;

        public string Name => "midnight-entries";

        public static decimal StopFor(Side side, decimal entry) => Eth.RoundStopPrice(side, RiskFormulas.StopPrice(side, entry, 5, Leverage));

        public StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity)
        {
            var next = candle.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds;
            if (!position.IsFlat || next % 86_400_000 != 0)
            {
                return null;
            }

            var side = next / 86_400_000 % 2 == 0 ? Side.Long : Side.Short;
            var lots = (long)(1_000m / (candle.Close * Eth.Multiplier));
            return new EnterAction(side, lots, Leverage, StopFor(side, candle.Close), Eth.RoundTakeProfitPrice(side, RiskFormulas.TakeProfitPrice(side, candle.Close, 40, Leverage)), "midnight", []);
        }
    }
}
