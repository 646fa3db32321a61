using BenchmarkDotNet.Running;
using Enigma.Benchmarks;

if (args.Length > 0 && args[0] == "latency")
{
    SignalLatency.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3);
    return;
}

if (args.Length > 0 && args[0] == "loopback-latency")
{
    await LoopbackLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000);
    return;
}

if (args.Length > 0 && args[0] == "simulator-load")
{
    await SimulatorLoad.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100,
        args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 60,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 30);
    return;
}

if (args.Length > 0 && args[0] == "execution-recovery")
{
    await ExecutionRecovery.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000);
    return;
}

if (args.Length > 0 && args[0] == "order-latency")
{
    await OrderLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300);
    return;
}

if (args.Length > 0 && args[0] == "journal-write")
{
    await JournalWriteLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? args[2] : "");
    return;
}

if (args.Length > 0 && args[0] == "pipeline-latency")
{
    await PipelineLatency.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(IndicatorSetBenchmarks).Assembly).Run(args);
