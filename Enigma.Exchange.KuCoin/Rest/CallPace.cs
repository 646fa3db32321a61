using System.Globalization;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>
/// The seed's pace: one call every 1/rate seconds, with up to <c>burst</c> calls at once after a quiet spell, in the
/// order they asked (a "generic cell rate" schedule: each call books the next free slot on the clock). Written here
/// rather than taken from System.Threading.RateLimiting because its token bucket refills on a timer that fires every
/// slot (25 times a second for private calls) for as long as the process lives: most of an idle node's CPU. This one
/// does nothing while nobody calls, and it runs on the injected clock, so tests step it. A cancelled wait gives up
/// its slot (the pace is then briefly slower than it could be, never faster).
/// </summary>
internal sealed class CallPace
{
    private const int MaxQueuedSlots = 10_000;

    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly long _tolerance;
    private readonly Lock _gate = new();
    private long _nextSlot = long.MinValue;

    public CallPace(int perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _time = time;
        _interval = time.TimestampFrequency / perSecond;
        _tolerance = (burst - 1) * _interval;
    }

    /// <summary>Books the next slot and waits for it.</summary>
    public async ValueTask WaitTurnAsync(CancellationToken cancellationToken)
    {
        long wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            wait = Math.Max(0, Math.Max(_nextSlot, now) - _tolerance - now);
            if (wait > MaxQueuedSlots * _interval)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{MaxQueuedSlots} calls are already waiting for their turn."));
            }

            _nextSlot = Math.Max(_nextSlot, now) + _interval;
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes a slot only if one is free now.</summary>
    public bool TryTakeTurnNow()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (Math.Max(_nextSlot, now) - _tolerance > now)
            {
                return false;
            }

            _nextSlot = Math.Max(_nextSlot, now) + _interval;
            return true;
        }
    }
}
