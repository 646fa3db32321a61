using Enigma.Domain.Market;
using Enigma.Tests.Support;
using Xunit.Abstractions;

namespace Enigma.Tests.Domain.Indicators;

/// <summary>The streaming indicators against TA-Lib's values on 2000 real ETHUSDT 5m candles (Fixtures/indicators/README).</summary>
public sealed class TaLibFixtureSpecs(ITestOutputHelper output)
{
    private static readonly Lazy<(IReadOnlyList<Candle> Candles, NumericCsv Reference, Dictionary<string, double?[]> Actual)> Data = new(() =>
    {
        var candles = CandleCsvReader.Load(TestFiles.Fixture("ethusdt-5m-input.csv")).EnsureUsable().Candles;
        var merged = NumericCsv.Parse(MergeColumns(TestFiles.Fixture("ethusdt-5m-reference.csv"), TestFiles.Fixture("ethusdt-5m-kdj.csv")));
        return (candles, merged, IndicatorColumns.Streaming(candles));
    });

    public static TheoryData<string> Columns => new(IndicatorColumns.All);

    [Theory]
    [MemberData(nameof(Columns))]
    public void Indicator_must_equal_TA_Lib_to_1e_9_from_its_first_value(string column)
    {
        var (candles, reference, actual) = Data.Value;
        var expected = reference.Column(column);
        var worst = SeriesComparison.AssertClose(column, expected, actual[column], IndicatorColumns.Scale(column, candles, expected));
        output.WriteLine($"{column}: largest scaled error {worst:E2} over {expected.Count(v => v is not null)} values");
    }

    [Fact]
    public void First_values_must_appear_on_the_rows_the_fixture_README_gives()
    {
        var (_, _, actual) = Data.Value;
        var firstRows = new Dictionary<string, int>
        {
            ["rsi14"] = 14, ["ema12"] = 11, ["ema26"] = 25, ["macd"] = 33, ["macd_signal"] = 33, ["macd_hist"] = 33,
            ["willr14"] = 13, ["ao"] = 33, ["stoch_k"] = 17, ["stoch_d"] = 17, ["bb_upper"] = 19, ["bb_middle"] = 19,
            ["bb_lower"] = 19, ["obv"] = 0, ["kdj_k"] = 8, ["kdj_d"] = 8, ["kdj_j"] = 8,
        };
        foreach (var (column, row) in firstRows)
        {
            Assert.Equal(row, Array.FindIndex(actual[column], v => v is not null));
        }
    }

    [Fact]
    public void The_fixture_input_must_be_the_checksummed_file()
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestFiles.Fixture("ethusdt-5m-input.csv"))));
        Assert.Equal("b40c799c3869d602ab6ced21d9af50dd558ff4de090a0886ffe33e32aff66be4", hash);
    }

    private static string[] MergeColumns(string referencePath, string kdjPath)
    {
        var reference = File.ReadAllLines(referencePath).Where(l => l.Length > 0).ToArray();
        var kdj = File.ReadAllLines(kdjPath).Where(l => l.Length > 0).ToArray();
        Assert.Equal(reference.Length, kdj.Length);
        return reference.Zip(kdj, (r, k) =>
        {
            var split = k.IndexOf(',', StringComparison.Ordinal);
            Assert.StartsWith(k[..split] + ",", r, StringComparison.Ordinal);
            return r + k[split..];
        }).ToArray();
    }
}
