using System.Globalization;

namespace Enigma.Tests.Support;

/// <summary>
/// Compares an indicator series with a reference: both must be blank on the same rows (same warm-up), and elsewhere
/// agree within <c>1e-9 * scale</c>, where the scale is 1 for bounded oscillators and the price (or volume) level
/// for series in those units. Returns the largest scaled error so tests can report how close they are.
/// </summary>
internal static class SeriesComparison
{
    public const double Tolerance = 1e-9;

    public static double AssertClose(string name, IReadOnlyList<double?> expected, IReadOnlyList<double?> actual, Func<int, double> scale)
    {
        Assert.Equal(expected.Count, actual.Count);
        var worst = 0.0;
        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i] is null || actual[i] is null)
            {
                Assert.True(expected[i] is null && actual[i] is null,
                    $"{name} row {i}: expected {Show(expected[i])}, got {Show(actual[i])} (warm-up differs)");
                continue;
            }

            var e = expected[i]!.Value;
            var a = actual[i]!.Value;
            Assert.False(double.IsNaN(a) || double.IsInfinity(a), $"{name} row {i}: got {a}");
            var error = Math.Abs(e - a) / Math.Max(1.0, scale(i));
            Assert.True(error <= Tolerance, $"{name} row {i}: expected {e:R}, got {a:R}, scaled error {error:E3} > {Tolerance:E0}");
            worst = Math.Max(worst, error);
        }

        return worst;
    }

    private static string Show(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "blank";
}
