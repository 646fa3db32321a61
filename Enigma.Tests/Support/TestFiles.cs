namespace Enigma.Tests.Support;

/// <summary>Where the test data lives: fixtures copied beside the tests, candles in the repository's knowledge bank.</summary>
internal static class TestFiles
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    public static string RepositoryRoot => Root.Value;

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "indicators", name);

    public static string Candles(string relative) => Path.Combine(RepositoryRoot, "knowledge-bank", "historical-data", "candles", relative);

    /// <summary>A fresh folder under the system temp directory, deleted when disposed.</summary>
    public static TemporaryFolder TemporaryFolder() => new();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Enigma.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Enigma.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}

internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "enigma-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
