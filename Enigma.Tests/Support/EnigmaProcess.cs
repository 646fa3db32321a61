using System.Diagnostics;
using System.Text;

namespace Enigma.Tests.Support;

/// <summary>
/// The <c>enigma</c> executable as a real child process (for crash and cluster specs, where in-process runs cannot
/// be killed): its output is collected line by line, and a spec can wait for a line, kill it with SIGKILL, or wait
/// for it to exit.
/// </summary>
internal sealed class EnigmaProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private EnigmaProcess(Process process) => _process = process;

    /// <summary>Everything it printed so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public static EnigmaProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <param name="environment">Variables set for the child (credentials, the admin token), on top of this process's.</param>
    public static EnigmaProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestFiles.RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "enigma.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var running = new EnigmaProcess(process);
        process.OutputDataReceived += (_, e) => running.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => running.Collect(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>The first line that <paramref name="match"/> accepts; fails (with the output so far) if none comes in time or the process ends first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan within, string description)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var line = Output.Split('\n').FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                Assert.Fail($"enigma exited with {_process.ExitCode} before {description}. Output:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {description}. Output:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no goodbye, like kill -9.</summary>
    public async Task<int> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGTERM: what docker stop and systemd send; the node leaves the cluster before it exits.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static int _nextPort = 20_000 + (Environment.ProcessId % 400 * 30);

    /// <summary>
    /// A free TCP port on loopback, for a child process to listen on. Taken below the kernel's ephemeral range
    /// (32768 and up), from a counter of this process: a port the kernel hands out for an outgoing connection in the
    /// seconds before the child binds cannot collide with it, and two calls never return the same port.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 2_000; attempt++)
        {
            var port = 20_000 + ((Interlocked.Increment(ref _nextPort) - 20_000) % 12_700);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException("no free port on loopback between 20000 and 32699");
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"enigma did not exit within {within}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
        }
    }
}
