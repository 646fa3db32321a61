namespace Enigma.Domain.Risk;

/// <summary>Pearson correlation of two return series (statistics, so double).</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r over the most recent <c>min(a.Length, b.Length)</c> values of each series, which the caller has
    /// aligned on the same candle times. Null when there are fewer than <paramref name="minimumSamples"/> values or
    /// either series is flat (r is undefined).
    /// </summary>
    public static double? Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int minimumSamples = 20)
    {
        var n = Math.Min(a.Length, b.Length);
        if (n < Math.Max(2, minimumSamples))
        {
            return null;
        }

        a = a[^n..];
        b = b[^n..];
        double meanA = 0, meanB = 0;
        for (var i = 0; i < n; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= n;
        meanB /= n;
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < n; i++)
        {
            var da = a[i] - meanA;
            var db = b[i] - meanB;
            covariance += da * db;
            varianceA += da * da;
            varianceB += db * db;
        }

        return varianceA == 0 || varianceB == 0 ? null : Math.Clamp(covariance / Math.Sqrt(varianceA * varianceB), -1.0, 1.0);
    }

    /// <summary>Simple returns <c>close[i] / close[i − 1] − 1</c> of a close series.</summary>
    public static double[] Returns(ReadOnlySpan<double> closes)
    {
        if (closes.Length < 2)
        {
            return [];
        }

        var returns = new double[closes.Length - 1];
        for (var i = 1; i < closes.Length; i++)
        {
            returns[i - 1] = (closes[i] / closes[i - 1]) - 1;
        }

        return returns;
    }
}
