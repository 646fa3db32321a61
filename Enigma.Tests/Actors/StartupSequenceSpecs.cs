using Enigma.Actors.Hosting;

namespace Enigma.Tests.Actors;

public sealed class StartupSequenceSpecs
{
    [Fact]
    public async Task The_seeds_eleven_steps_run_in_order_each_reported_with_its_duration()
    {
        var ran = new List<int>();
        var steps = StartupSequence.Seed.Select((s, i) => new StartupStep(i + 1, s.Agent, s.Description, async _ =>
        {
            await Task.Yield();
            ran.Add(i + 1);
        })).Reverse();
        var reported = new List<StepTiming>();

        var timings = await StartupSequence.RunAsync(steps, reported.Add);

        Assert.Equal(Enumerable.Range(1, 11), ran);
        Assert.Equal(timings, reported);
        Assert.All(timings, t => Assert.True(t.Duration >= TimeSpan.Zero));
        Assert.Equal("transition to READY", timings[9].Description);
    }

    [Fact]
    public async Task A_failing_step_stops_the_sequence_with_an_error_naming_the_step_and_the_cause()
    {
        var ran = new List<int>();
        StartupStep Step(int n, Func<Task>? work = null) => new(n, StartupSequence.Seed[n - 1].Agent, StartupSequence.Seed[n - 1].Description, async _ =>
        {
            ran.Add(n);
            await (work?.Invoke() ?? Task.CompletedTask);
        });

        var error = await Assert.ThrowsAsync<StartupFailedException>(() => StartupSequence.RunAsync(
            [Step(4), Step(5, () => throw new HttpRequestException("connection refused (127.0.0.1:8555)")), Step(6)], _ => { }));

        Assert.Equal([4, 5], ran);
        Assert.Equal(5, error.Step!.Number);
        Assert.Equal("Startup step 5 (data: fetch initial candle history (warm-up)) failed: connection refused (127.0.0.1:8555)", error.Message);
    }
}
