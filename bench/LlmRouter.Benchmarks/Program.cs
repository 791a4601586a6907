using BenchmarkDotNet.Running;
using LlmRouter.Benchmarks;

// Run all: dotnet run -c Release --project bench/LlmRouter.Benchmarks -- --filter '*'
// Policies only: --filter '*Policy*'; hot path: --filter '*Parsing*' '*Translation*'; quick figures: add --job short.
BenchmarkSwitcher.FromAssembly(typeof(PolicyBenchmarks).Assembly).Run(args);
