using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Signals;

/// <summary>
/// The Signal engine's output on 90 days of real ETH perpetual candles, pinned in Enigma.Tests/Golden. Any change of
/// behaviour changes the hash; the per-day summary and the list of non-neutral signals show where, so the commit
/// that changes them can explain it. Regenerate with ENIGMA_UPDATE_GOLDEN=1.
/// </summary>
public sealed class SignalGoldenSpecs
{
    private const string GoldenFile = "signals-ETHUSDTM-5m.txt";

    [Fact]
    public void Signals_on_the_shipped_ETH_candles_must_match_the_golden_file()
    {
        var actual = Render();
        var path = Path.Combine(TestFiles.RepositoryRoot, "Enigma.Tests", "Golden", GoldenFile);
        if (Environment.GetEnvironmentVariable("ENIGMA_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with ENIGMA_UPDATE_GOLDEN=1 and commit it.");
        var expectedLines = File.ReadAllLines(path);
        var actualLines = actual.Split('\n', StringSplitOptions.None).SkipLast(1).ToArray();
        for (var i = 0; i < Math.Min(expectedLines.Length, actualLines.Length); i++)
        {
            Assert.True(expectedLines[i] == actualLines[i],
                $"{GoldenFile} line {i + 1} differs.\nexpected: {expectedLines[i]}\nactual:   {actualLines[i]}\nIf the change is intended, regenerate with ENIGMA_UPDATE_GOLDEN=1 and explain it in the commit.");
        }

        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    private static string Render()
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).EnsureUsable().Candles;
        var engine = new SignalEngine("ETHUSDTM");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var days = new SortedDictionary<string, DaySummary>(StringComparer.Ordinal);
        var directional = new StringBuilder();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var candle in candles)
        {
            var output = engine.Update(candle);
            hash.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(output, SignalsCommand.Json) + "\n"));
            var day = DateTimeOffset.FromUnixTimeMilliseconds(output.Timestamp - 1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var summary = days.TryGetValue(day, out var s) ? s : days[day] = new DaySummary();
            summary.Add(output);
            Count(counts, output.Direction.ToString());
            Count(counts, output.Alignment.ToString());
            if (output.Direction != SignalDirection.Neutral)
            {
                directional.Append(CultureInfo.InvariantCulture,
                    $"{Candle.FormatTime(output.Timestamp)} {output.Direction} score {output.Score:R} confidence {output.Confidence:F2} {output.Alignment} signals {output.Signals.Count}\n");
            }
        }

        var text = new StringBuilder();
        text.Append("# enigma signals on knowledge-bank/historical-data/candles/bybit-linear/ETHUSDT-5m.csv.gz, symbol ETHUSDTM, timeframes 5m,15m,1h,4h, default parameters\n");
        text.Append("# regenerate: ENIGMA_UPDATE_GOLDEN=1 dotnet test Enigma.sln -c Release --filter SignalGoldenSpecs (and say why in the commit)\n");
        text.Append(CultureInfo.InvariantCulture, $"sha256 of the JSON lines: {Convert.ToHexStringLower(hash.GetHashAndReset())}\n");
        text.Append(CultureInfo.InvariantCulture, $"outputs {candles.Length}; {string.Join("; ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))}\n");
        text.Append("## per UTC day: long short neutral | min max mean score | full-alignment outputs | new divergences new patterns\n");
        foreach (var (day, summary) in days)
        {
            text.Append(day).Append(' ').Append(summary).Append('\n');
        }

        text.Append("## every non-neutral output\n").Append(directional);
        return text.ToString();
    }

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private sealed class DaySummary
    {
        private readonly HashSet<(string, string, string?, long)> _seen = [];
        private int _long, _short, _neutral, _full, _divergences, _patterns, _outputs;
        private double _min = double.MaxValue, _max = double.MinValue, _sum;

        public void Add(SignalOutput output)
        {
            _outputs++;
            _sum += output.Score;
            _min = Math.Min(_min, output.Score);
            _max = Math.Max(_max, output.Score);
            _full += output.Alignment == Alignment.Full ? 1 : 0;
            switch (output.Direction)
            {
                case SignalDirection.Long: _long++; break;
                case SignalDirection.Short: _short++; break;
                default: _neutral++; break;
            }

            foreach (var signal in output.Signals.Where(s => _seen.Add((s.Kind, s.Timeframe, s.Source, s.ConfirmedAt))))
            {
                if (signal.Kind.EndsWith("Divergence", StringComparison.Ordinal))
                {
                    _divergences++;
                }
                else
                {
                    _patterns++;
                }
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{_long} {_short} {_neutral} | {_min:R} {_max:R} {_sum / _outputs:F4} | {_full} | {_divergences} {_patterns}");
    }
}
