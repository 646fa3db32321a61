namespace Enigma.Tests.Support;

/// <summary>Poll-until instead of sleeps: checks a condition until it holds, failing with what was awaited.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, within, every);
}
