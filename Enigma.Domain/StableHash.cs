namespace Enigma.Domain;

/// <summary>
/// Hashes that are the same in every process, for seeds of simulated markets. <see cref="HashCode"/> is randomised per
/// process, so a "seeded" path built from it differs between a run and its replay after a restart.
/// </summary>
public static class StableHash
{
    /// <summary>Mixes two values with SplitMix64's finaliser.</summary>
    public static int Combine(long first, long second)
    {
        unchecked
        {
            var x = ((ulong)first * 0x9E3779B97F4A7C15UL) ^ (ulong)second;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            x ^= x >> 31;
            return (int)(x ^ (x >> 32));
        }
    }

    /// <summary>A string's hash, the same in every process (Java's polynomial).</summary>
    public static int Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
