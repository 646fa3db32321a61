namespace Enigma.Exchange.Simulator;

/// <summary>The current fault settings and the seeded dice they are rolled with; changing the settings reseeds.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private Random _random;

    public FaultInjector(FaultSettings settings)
    {
        settings.Validate();
        Settings = settings;
        _random = new Random(settings.Seed);
    }

    public FaultSettings Settings { get; private set; }

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
