using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Enigma.Benchmarks.IndicatorSetBenchmarks).Assembly).Run(args);
