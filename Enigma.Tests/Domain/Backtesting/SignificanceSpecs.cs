using Enigma.Domain.Backtesting;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>The deployment gates' statistics against textbook values and constructed cases whose answer is known.</summary>
public sealed class SignificanceSpecs
{
    [Fact]
    public void The_t_test_must_agree_with_the_t_table()
    {
        // t = 3.556 with 5 degrees of freedom: the table puts 3.365 at p = 0.01 and 4.032 at p = 0.005 (one-sided).
        var test = Significance.MeanAboveZero([0.5, 1.0, 1.5, 2.0, 2.5, 0.2]);
        Assert.Equal(5, test.DegreesOfFreedom);
        Assert.InRange(test.Statistic, 3.555, 3.556); // mean 1.28333, sd 0.88412, n 6
        Assert.InRange(test.PValue, 0.005, 0.01);

        // A sample centred on zero: no evidence either way.
        Assert.Equal(0.5, Significance.MeanAboveZero([-1, 1, -2, 2]).PValue, 12);
        Assert.Equal(1, Significance.MeanAboveZero([0.1]).PValue);
    }

    [Fact]
    public void Welch_must_find_a_clearly_better_candidate_and_not_a_copy()
    {
        var random = new Random(3);
        var live = Enumerable.Range(0, 200).Select(_ => random.NextDouble() - 0.5).ToArray();
        Assert.Equal(0.5, Significance.MeanAboveOther(live, live).PValue, 12);
        Assert.True(Significance.MeanAboveOther([.. live.Select(r => r + 0.2)], live).PValue < 0.001);
        Assert.True(Significance.MeanAboveOther([.. live.Select(r => r - 0.2)], live).PValue > 0.999);
    }

    [Fact]
    public void The_deflated_sharpe_ratio_must_shrink_as_trials_grow()
    {
        var random = new Random(5);
        var returns = Enumerable.Range(0, 250).Select(_ => 0.001 + (0.01 * (random.NextDouble() - 0.5))).ToArray();
        var mean = returns.Average();
        var sharpe = mean / Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Length - 1));

        Assert.Equal(0.5, Significance.ProbabilisticSharpe(returns, sharpe), 9);
        Assert.Equal(0, Significance.ExpectedMaxSharpe(1, 0.01));
        var one = Significance.DeflatedSharpe(returns, 1, 0.01);
        var ten = Significance.DeflatedSharpe(returns, 10, 0.01);
        var thousands = Significance.DeflatedSharpe(returns, 8_640, 0.01);
        Assert.True(one > ten && ten > thousands, $"{one} > {ten} > {thousands}");
        Assert.InRange(thousands, 0, 0.05); // a Sharpe ratio of ~0.35 a period is luck among 8,640 trials with that spread
    }

    [Fact]
    public void Pbo_must_be_zero_for_a_dominant_trial_one_for_block_overfitting_and_near_half_for_noise()
    {
        var random = new Random(11);
        double Noise() => random.NextDouble() - 0.5;

        // One trial better than every other in every period.
        var dominant = Enumerable.Range(0, 20).Select(t => (IReadOnlyList<double>)[.. Enumerable.Range(0, 1_000).Select(_ => Noise() + (t == 0 ? 0.3 : 0))]).ToList();
        Assert.Equal(0, Significance.ProbabilityOfOverfitting(dominant));

        // Trial k shines only in block k: whichever looks best in sample has its one good block in sample.
        var overfit = Enumerable.Range(0, 10).Select(t => (IReadOnlyList<double>)[.. Enumerable.Range(0, 1_000).Select(p => (p / 100 == t ? 1.0 : -0.1) + (0.01 * Noise()))]).ToList();
        Assert.Equal(1, Significance.ProbabilityOfOverfitting(overfit));

        // Trials of pure noise: the in-sample winner is as likely to be below the median as above it.
        var noise = Enumerable.Range(0, 50).Select(_ => (IReadOnlyList<double>)[.. Enumerable.Range(0, 1_000).Select(_ => Noise())]).ToList();
        Assert.InRange(Significance.ProbabilityOfOverfitting(noise), 0.25, 0.75);
    }

    [Fact]
    public void Pbo_must_name_what_it_cannot_work_with()
    {
        Assert.Contains("even", Assert.Throws<ArgumentException>(() => Significance.ProbabilityOfOverfitting([[1.0, 2.0], [1.0, 2.0]], 3)).Message, StringComparison.Ordinal);
        Assert.Contains("two trials", Assert.Throws<ArgumentException>(() => Significance.ProbabilityOfOverfitting([[1.0, 2.0]], 2)).Message, StringComparison.Ordinal);
    }
}
