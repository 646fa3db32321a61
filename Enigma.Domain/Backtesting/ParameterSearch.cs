using System.Globalization;

namespace Enigma.Domain.Backtesting;

/// <summary>The values a search may give each parameter (axes sorted by name); a point is one value per axis.</summary>
public sealed class ParameterSpace
{
    private readonly string[] _keys;
    private readonly IReadOnlyList<string>[] _values;

    public ParameterSpace(IReadOnlyDictionary<string, IReadOnlyList<string>> axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var sorted = axes.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        foreach (var (key, values) in sorted)
        {
            if (values.Count == 0)
            {
                throw new ArgumentException($"the search gives {key} no value.");
            }

            if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
            {
                throw new ArgumentException($"the search gives {key} the same value twice.");
            }
        }

        _keys = [.. sorted.Select(a => a.Key)];
        _values = [.. sorted.Select(a => a.Value)];
        Size = _values.Aggregate(1L, (n, v) => n * v.Count);
    }

    public IReadOnlyList<string> Keys => _keys;

    public IReadOnlyList<string> ValuesOf(int axis) => _values[axis];

    /// <summary>How many points the space holds (the grid's size).</summary>
    public long Size { get; }

    public ParameterSet At(IReadOnlyList<int> genes)
    {
        ArgumentNullException.ThrowIfNull(genes);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _keys.Length; i++)
        {
            values[_keys[i]] = _values[i][genes[i]];
        }

        return new ParameterSet(values);
    }

    /// <summary>Every point, the last axis varying fastest (the same order as <see cref="ParameterSet.Grid"/>).</summary>
    public IReadOnlyList<ParameterSet> All()
    {
        if (Size > 1_000_000)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the grid has {Size} combinations; search it genetically (--search genetic)."));
        }

        var all = new List<ParameterSet>((int)Size);
        var genes = new int[_keys.Length];
        for (var n = 0L; n < Size; n++)
        {
            all.Add(At(genes));
            for (var axis = genes.Length - 1; axis >= 0; axis--)
            {
                if (++genes[axis] < _values[axis].Count)
                {
                    break;
                }

                genes[axis] = 0;
            }
        }

        return all;
    }

    internal int AxisCount => _keys.Length;

    internal int ValueCount(int axis) => _values[axis].Count;
}

/// <summary>
/// A seeded genetic search: a population of points, each generation chosen by tournament on the training score,
/// crossed gene by gene and mutated, the best kept unchanged (elitism). The same seed, space and scores give the same
/// generations, so a search is reproducible and a resumed one replays exactly.
/// </summary>
public sealed record GeneticOptions
{
    public int Population { get; init; } = 40;

    public int Generations { get; init; } = 12;

    /// <summary>The chance that each gene of a child takes a random value.</summary>
    public double MutationRate { get; init; } = 0.15;

    /// <summary>The best points carried to the next generation as they are.</summary>
    public int Elite { get; init; } = 2;

    public int Tournament { get; init; } = 3;

    public int Seed { get; init; } = 20250403;

    public void Validate()
    {
        if (Population < 2 || Generations < 1 || Elite < 0 || Elite >= Population || Tournament < 1 || MutationRate is < 0 or > 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"genetic search: population ≥ 2 (got {Population}), generations ≥ 1 (got {Generations}), 0 ≤ elite < population (got {Elite}), tournament ≥ 1 (got {Tournament}), mutation rate in [0, 1] (got {MutationRate})."));
        }
    }
}

/// <summary>The genetic search's moves, on gene vectors (one value index per axis).</summary>
public static class GeneticSearch
{
    /// <summary>The first generation: distinct random points (fewer when the space is smaller than the population).</summary>
    public static List<int[]> FirstGeneration(ParameterSpace space, GeneticOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var target = (int)Math.Min(options.Population, space.Size);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var population = new List<int[]>(target);
        while (population.Count < target)
        {
            var genes = Enumerable.Range(0, space.AxisCount).Select(a => random.Next(space.ValueCount(a))).ToArray();
            if (seen.Add(string.Join(',', genes)))
            {
                population.Add(genes);
            }
        }

        return population;
    }

    /// <summary>
    /// The next generation from the scored one: the elite as they are, then children of two tournament winners,
    /// uniform crossover, each gene mutated with the given chance.
    /// </summary>
    public static List<int[]> NextGeneration(ParameterSpace space, IReadOnlyList<(int[] Genes, double Score)> scored, GeneticOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var ranked = scored.Select((s, i) => (s.Genes, s.Score, Index: i)).OrderByDescending(s => s.Score).ThenBy(s => s.Index).ToList();
        var next = ranked.Take(options.Elite).Select(s => s.Genes).ToList();
        int[] Pick()
        {
            var best = ranked[random.Next(ranked.Count)];
            for (var i = 1; i < options.Tournament; i++)
            {
                var other = ranked[random.Next(ranked.Count)];
                if (other.Score > best.Score || (other.Score == best.Score && other.Index < best.Index))
                {
                    best = other;
                }
            }

            return best.Genes;
        }

        while (next.Count < options.Population)
        {
            var (mother, father) = (Pick(), Pick());
            var child = new int[space.AxisCount];
            for (var a = 0; a < child.Length; a++)
            {
                child[a] = random.NextDouble() < 0.5 ? mother[a] : father[a];
                if (random.NextDouble() < options.MutationRate)
                {
                    child[a] = random.Next(space.ValueCount(a));
                }
            }

            next.Add(child);
        }

        return next;
    }
}
