namespace Enigma.Domain.Indicators;

/// <summary>Checks on a snapshot being restored, so a corrupt or mismatched state fails loudly instead of computing nonsense.</summary>
internal static class IndicatorState
{
    public static void Require(bool condition, string owner, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"{owner}: cannot restore: {problem}.");
        }
    }

    public static int RequirePeriod(int period, string parameter, int minimum = 1)
    {
        if (period < minimum)
        {
            throw new ArgumentOutOfRangeException(parameter, period, $"The period must be at least {minimum}.");
        }

        return period;
    }
}
