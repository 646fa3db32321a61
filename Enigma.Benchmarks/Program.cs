using System.Globalization;
using BenchmarkDotNet.Running;
using Enigma.Benchmarks;

if (args.Length > 0 && args[0] == "latency")
{
    SignalLatency.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(IndicatorSetBenchmarks).Assembly).Run(args);
