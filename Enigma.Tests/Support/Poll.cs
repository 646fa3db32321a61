namespace Enigma.Tests.Support;

/// <summary>Poll-until instead of sleeps: checks a condition until it holds, failing with what was awaited.</summary>
internal static class Poll
{
    /// <summary>
    /// A condition that asks something still coming up (an admin API answering 503 during a hand-over, an ask that
    /// times out while a singleton moves) is asked again, not failed: only the deadline fails, with the last error.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }

                last = null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Akka.Actor.AskTimeoutException)
            {
                last = e;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}{(last is null ? "" : $" (last error: {last.Message})")}");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, within, every);
}
