namespace Enigma.Exchange.Simulator;

/// <summary>The current fault settings and the seeded dice they are rolled with; changing the settings reseeds.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _injected = new(StringComparer.Ordinal);
    private Random _random;

    public FaultInjector(FaultSettings settings)
    {
        settings.Validate();
        Settings = settings;
        _random = new Random(settings.Seed);
    }

    public FaultSettings Settings { get; private set; }

    /// <summary>How many of each fault were injected since the start, by kind (rateLimited, serverErrors, lostReplies, webSocketDrops).</summary>
    public IReadOnlyDictionary<string, long> Injected
    {
        get
        {
            lock (_gate)
            {
                return new SortedDictionary<string, long>(_injected, StringComparer.Ordinal);
            }
        }
    }

    public void Count(string kind, long times = 1)
    {
        lock (_gate)
        {
            _injected[kind] = _injected.GetValueOrDefault(kind) + times;
        }
    }

    public void Change(FaultSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        lock (_gate)
        {
            Settings = settings;
            _random = new Random(settings.Seed);
        }
    }

    /// <summary>True with probability <paramref name="share"/>; 0 never rolls, so a run without faults draws nothing.</summary>
    public bool Roll(double share)
    {
        if (share <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < share;
        }
    }
}
