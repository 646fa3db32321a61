namespace Enigma.Exchange.Simulator;

/// <summary>
/// Market time of the replay: it starts at <paramref name="startMs"/> (a time in the data) and runs at
/// <paramref name="speed"/> times the wall clock, or, at speed 0, only when stepped. Stepping works at any speed.
/// </summary>
internal sealed class ReplayClock(TimeProvider wall, long startMs, double speed)
{
    private readonly long _wallStart = wall.GetTimestamp();
    private readonly Lock _gate = new();
    private long _stepped;

    public double Speed => speed;

    public long StartMs => startMs;

    public long NowMs
    {
        get
        {
            lock (_gate)
            {
                var running = speed == 0 ? 0 : (long)(wall.GetElapsedTime(_wallStart).TotalMilliseconds * speed);
                return startMs + running + _stepped;
            }
        }
    }

    public long Step(long milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        lock (_gate)
        {
            _stepped += milliseconds;
        }

        return NowMs;
    }
}
