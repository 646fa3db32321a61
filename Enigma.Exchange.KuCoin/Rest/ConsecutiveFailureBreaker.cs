using Polly.CircuitBreaker;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>
/// The seed's circuit breaker: open after <c>failures</c> consecutive venue failures, whatever succeeded before; after
/// <c>openFor</c> one trial call goes through (half-open); its success closes the breaker, its failure opens it again.
/// While open, calls fail at once with Polly's <see cref="BrokenCircuitException"/>, as callers already expect.
/// </summary>
/// <remarks>
/// Not Polly's own breaker: Polly 8 counts a failure ratio over a sampling window, so "N in a row" could only be
/// approximated with a ratio of 1, which never opens once the window holds a single success (a venue failing after
/// a good minute went on failing with the breaker closed). Polly still supplies the state names and the exception.
/// </remarks>
public sealed class ConsecutiveFailureBreaker(int failures, TimeSpan openFor, TimeProvider time, Func<Exception, bool> isFailure)
{
    private readonly Lock _gate = new();
    private int _consecutive;
    private DateTimeOffset _openUntil;
    private CircuitState _state = CircuitState.Closed;
    private bool _trialInFlight;

    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _state == CircuitState.Open && time.GetUtcNow() >= _openUntil ? CircuitState.HalfOpen : _state;
            }
        }
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        Admit();
        try
        {
            var result = await call(cancellationToken).ConfigureAwait(false);
            Succeeded();
            return result;
        }
        catch (Exception e) when (isFailure(e))
        {
            Failed();
            throw;
        }
        catch
        {
            // An answer, not a failure of the venue (a refused order): it neither counts nor resets the count, but it
            // ends a trial call without reopening.
            Released();
            throw;
        }
    }

    private void Admit()
    {
        lock (_gate)
        {
            if (_state == CircuitState.Closed)
            {
                return;
            }

            var now = time.GetUtcNow();
            if (now < _openUntil || _trialInFlight)
            {
                var retryAfter = _openUntil > now ? _openUntil - now : TimeSpan.Zero;
                throw new BrokenCircuitException($"The circuit is open after {failures} consecutive failures of the venue; a trial call goes through in {retryAfter.TotalSeconds:0.#} s.", retryAfter);
            }

            _state = CircuitState.HalfOpen;
            _trialInFlight = true;
        }
    }

    private void Succeeded()
    {
        lock (_gate)
        {
            _consecutive = 0;
            _trialInFlight = false;
            _state = CircuitState.Closed;
        }
    }

    private void Failed()
    {
        lock (_gate)
        {
            _consecutive++;
            var trial = _trialInFlight;
            _trialInFlight = false;
            if (trial || _consecutive >= failures)
            {
                _state = CircuitState.Open;
                _openUntil = time.GetUtcNow() + openFor;
            }
        }
    }

    private void Released()
    {
        lock (_gate)
        {
            if (_trialInFlight)
            {
                _trialInFlight = false;
                _state = CircuitState.Open; // no proof the venue is back: the next call is the trial again
            }
        }
    }
}
