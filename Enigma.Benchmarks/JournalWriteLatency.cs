using Akka.Configuration;
using Akka.Persistence;

namespace Enigma.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Enigma.Benchmarks -- journal-write [writes] [extra HOCON]</c>: the round trip of
/// one <c>Persist</c> (an execution event, through our serializer) on the SQLite journal, one write at a time: what an
/// order waits for before it is sent. HdrHistogram over N writes after 100 warm-up writes.
/// </summary>
internal static class JournalWriteLatency
{
    public static async Task RunAsync(int writes, string extraHocon)
    {
        var folder = Directory.CreateTempSubdirectory("enigma-journal-write-");
        try
        {
            var config = ConfigurationFactory.ParseString(extraHocon)
                .WithFallback(EnigmaConfig.SqliteJournal(Path.Combine(folder.FullName, "journal.db")))
                .WithFallback("akka.loglevel = WARNING");
            using var system = ActorSystem.Create("journal-write", EnigmaConfig.Bootstrap(config));
            var writer = system.ActorOf(ThreeEventWriter.Props("execution-XBTUSDTM", "XBTUSDTM"));
            var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
            for (var i = 0; i < writes + 100; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await writer.Ask<long>(i, TimeSpan.FromSeconds(10));
                if (i >= 100)
                {
                    histogram.RecordValue(Stopwatch.GetTimestamp() - start);
                }
            }

            double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"journal write round trip over {writes} writes ({(extraHocon.Length == 0 ? "shipped settings" : extraHocon)}): p50 {Ms(histogram.GetValueAtPercentile(50)):F3} ms, p99 {Ms(histogram.GetValueAtPercentile(99)):F3} ms, max {Ms(histogram.GetMaxValue()):F3} ms"));
            await system.Terminate();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

}
