using MathNet.Numerics.Distributions;

namespace Enigma.Domain.Backtesting;

/// <summary>A one-sided test's outcome: the statistic, its degrees of freedom, and the p-value.</summary>
public sealed record TestResult(string Test, double Statistic, double DegreesOfFreedom, double PValue, int Observations);

/// <summary>
/// The statistics the optimizer's deployment gates use, so a trader can trust what it deploys. Each is a textbook
/// method, named with its reference:
/// <list type="bullet">
/// <item>the seed's significance test (p &lt; 0.05): Student's one-sample t-test of out-of-sample trade returns against
/// zero, and Welch's t-test of the candidate's out-of-sample returns against those of the parameters now live, both
/// one-sided (is it better, not only different);</item>
/// <item>the deflated Sharpe ratio (Bailey and López de Prado, 2014): the probability that the true Sharpe ratio is
/// above the best one expected from the number of trials alone, given the returns' skew and kurtosis;</item>
/// <item>the probability of backtest overfitting (Bailey, Borwein, López de Prado and Zhu, 2015), by combinatorially
/// symmetric cross-validation: how often the trial that is best in sample is below the median out of sample.</item>
/// </list>
/// </summary>
public static class Significance
{
    private const double EulerMascheroni = 0.5772156649015329;

    /// <summary>H0: the mean return is at most zero. A small p says the returns are positive beyond chance.</summary>
    public static TestResult MeanAboveZero(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var n = returns.Count;
        if (n < 2)
        {
            return new TestResult("one-sample t-test, mean > 0", double.NaN, n - 1, 1, n);
        }

        var (mean, variance) = SampleMeanVariance(returns);
        if (variance <= 0)
        {
            return new TestResult("one-sample t-test, mean > 0", double.NaN, n - 1, mean > 0 ? 0 : 1, n);
        }

        var t = mean / Math.Sqrt(variance / n);
        return new TestResult("one-sample t-test, mean > 0", t, n - 1, 1 - StudentT.CDF(0, 1, n - 1, t), n);
    }

    /// <summary>H0: the candidate's mean return is at most the incumbent's (Welch: no equal-variance assumption).</summary>
    public static TestResult MeanAboveOther(IReadOnlyList<double> candidate, IReadOnlyList<double> incumbent)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(incumbent);
        const string Name = "Welch's t-test, candidate mean > live mean";
        if (candidate.Count < 2 || incumbent.Count < 2)
        {
            return new TestResult(Name, double.NaN, double.NaN, 1, candidate.Count);
        }

        var (m1, v1) = SampleMeanVariance(candidate);
        var (m2, v2) = SampleMeanVariance(incumbent);
        var s1 = v1 / candidate.Count;
        var s2 = v2 / incumbent.Count;
        if (s1 + s2 <= 0)
        {
            return new TestResult(Name, double.NaN, double.NaN, m1 > m2 ? 0 : 1, candidate.Count);
        }

        var t = (m1 - m2) / Math.Sqrt(s1 + s2);
        var df = (s1 + s2) * (s1 + s2) / ((s1 * s1 / (candidate.Count - 1)) + (s2 * s2 / (incumbent.Count - 1)));
        return new TestResult(Name, t, df, 1 - StudentT.CDF(0, 1, df, t), candidate.Count);
    }

    /// <summary>
    /// The probabilistic Sharpe ratio: the probability that the true per-period Sharpe ratio exceeds
    /// <paramref name="benchmark"/>, given the observed one over <paramref name="returns"/> and their skew and kurtosis.
    /// </summary>
    public static double ProbabilisticSharpe(IReadOnlyList<double> returns, double benchmark)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var n = returns.Count;
        if (n < 3)
        {
            return 0;
        }

        var (mean, variance) = SampleMeanVariance(returns);
        if (variance <= 0)
        {
            return 0;
        }

        var sd = Math.Sqrt(variance);
        var sharpe = mean / sd;
        double m3 = 0, m4 = 0;
        foreach (var r in returns)
        {
            var z = (r - mean) / sd;
            m3 += z * z * z;
            m4 += z * z * z * z;
        }

        var skew = m3 / n;
        var kurtosis = m4 / n;
        var denominator = 1 - (skew * sharpe) + ((kurtosis - 1) / 4 * sharpe * sharpe);
        return denominator <= 0 ? 0 : Normal.CDF(0, 1, (sharpe - benchmark) * Math.Sqrt(n - 1) / Math.Sqrt(denominator));
    }

    /// <summary>
    /// The Sharpe ratio the best of <paramref name="trials"/> independent tries would show by luck alone, when the
    /// trials' Sharpe ratios vary with <paramref name="sharpeVariance"/> (the expected maximum, Bailey and López de Prado).
    /// </summary>
    public static double ExpectedMaxSharpe(int trials, double sharpeVariance)
    {
        if (trials < 2 || sharpeVariance <= 0)
        {
            return 0;
        }

        return Math.Sqrt(sharpeVariance) * (((1 - EulerMascheroni) * Normal.InvCDF(0, 1, 1 - (1.0 / trials))) + (EulerMascheroni * Normal.InvCDF(0, 1, 1 - (1.0 / (trials * Math.E)))));
    }

    /// <summary>The deflated Sharpe ratio: the probabilistic Sharpe ratio against the luck of <paramref name="trials"/> tries.</summary>
    public static double DeflatedSharpe(IReadOnlyList<double> returns, int trials, double sharpeVariance) =>
        ProbabilisticSharpe(returns, ExpectedMaxSharpe(trials, sharpeVariance));

    /// <summary>
    /// The probability of backtest overfitting by combinatorially symmetric cross-validation. <paramref name="performance"/>
    /// holds each trial's returns over the same periods (rows: trials; columns: periods, such as days). The periods are
    /// cut into <paramref name="blocks"/> (even) contiguous blocks; for every way of choosing half of them as in-sample,
    /// the trial with the best in-sample Sharpe ratio is ranked among all trials on the other half. The PBO is the share
    /// of those choices where it ranks at or below the median.
    /// </summary>
    public static double ProbabilityOfOverfitting(IReadOnlyList<IReadOnlyList<double>> performance, int blocks = 10)
    {
        ArgumentNullException.ThrowIfNull(performance);
        if (blocks < 2 || blocks % 2 != 0)
        {
            throw new ArgumentException($"the number of blocks must be even and at least 2, got {blocks}.");
        }

        var trials = performance.Count;
        if (trials < 2)
        {
            throw new ArgumentException("at least two trials are needed to speak of overfitting.");
        }

        var periods = performance[0].Count;
        if (performance.Any(p => p.Count != periods) || periods < blocks)
        {
            throw new ArgumentException($"every trial needs returns over the same {periods} periods, at least one per block ({blocks}).");
        }

        // Per trial and block: count, sum and sum of squares, so a combination's Sharpe ratio costs O(blocks).
        var sums = new (int N, double Sum, double Squares)[trials, blocks];
        for (var t = 0; t < trials; t++)
        {
            for (var p = 0; p < periods; p++)
            {
                var b = (int)((long)p * blocks / periods);
                var r = performance[t][p];
                sums[t, b] = (sums[t, b].N + 1, sums[t, b].Sum + r, sums[t, b].Squares + (r * r));
            }
        }

        double Sharpe(int trial, ulong mask, bool inSample)
        {
            int n = 0;
            double sum = 0, squares = 0;
            for (var b = 0; b < blocks; b++)
            {
                if (((mask >> b) & 1) == 1 == inSample)
                {
                    n += sums[trial, b].N;
                    sum += sums[trial, b].Sum;
                    squares += sums[trial, b].Squares;
                }
            }

            var mean = sum / n;
            var variance = (squares / n) - (mean * mean);
            return variance > 0 ? mean / Math.Sqrt(variance) : mean > 0 ? double.MaxValue : mean < 0 ? double.MinValue : 0;
        }

        int overfit = 0, combinations = 0;
        for (ulong mask = 0; mask < 1UL << blocks; mask++)
        {
            if (System.Numerics.BitOperations.PopCount(mask) != blocks / 2)
            {
                continue;
            }

            combinations++;
            var best = 0;
            var bestSharpe = double.MinValue;
            for (var t = 0; t < trials; t++)
            {
                var s = Sharpe(t, mask, inSample: true);
                if (s > bestSharpe)
                {
                    (best, bestSharpe) = (t, s);
                }
            }

            // Its relative rank out of sample, in (0, 1): at or below one half is at or below the median.
            var outOfSample = Sharpe(best, mask, inSample: false);
            var below = 0;
            for (var t = 0; t < trials; t++)
            {
                below += Sharpe(t, mask, inSample: false) < outOfSample ? 1 : 0;
            }

            var rank = (below + 1.0) / (trials + 1.0);
            overfit += rank <= 0.5 ? 1 : 0;
        }

        return (double)overfit / combinations;
    }

    /// <summary>
    /// How many standard errors an observed win rate (<paramref name="wins"/> of <paramref name="trades"/>) lies from an
    /// expected one under the binomial model: (rate − p) / √(p(1 − p)/n). Below −2: worse than chance explains.
    /// </summary>
    public static double WinRateZ(int wins, int trades, double expected)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trades, 1);
        var rate = (double)wins / trades;
        return (rate - expected) / Math.Sqrt(expected * (1 - expected) / trades);
    }

    /// <summary>The mean and the sample variance (n − 1) of <paramref name="values"/>: at least two of them.</summary>
    public static (double Mean, double Variance) SampleMeanVariance(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, variance);
    }
}
